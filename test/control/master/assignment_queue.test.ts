// Tests derived from weed/server/master_block_assignment_queue_test.go.
import { describe, expect, it } from 'vitest';
import { BlockAssignmentQueue, Role, assignment, infoMessage } from '../../../src/control/master/index.ts';

const a = (path: string, epoch: number, role: number = Role.Primary) => assignment({ path, epoch, role });

describe('BlockAssignmentQueue', () => {
  it('TestQueue_EnqueuePeek / PeekDoesNotRemove: peek returns copies and keeps them queued', () => {
    const q = new BlockAssignmentQueue();
    q.enqueue('s1', a('/p1', 1));
    const first = q.peek('s1');
    expect(first).toHaveLength(1);
    first[0]!.epoch = 99;
    expect(q.peek('s1')[0]!.epoch).toBe(1);
    expect(q.pending('s1')).toBe(1);
  });

  it('TestQueue_PeekEmpty / PeekDoesNotAffectOtherServers', () => {
    const q = new BlockAssignmentQueue();
    expect(q.peek('s1')).toEqual([]);
    q.enqueue('s1', a('/p1', 1));
    q.enqueue('s2', a('/p2', 1));
    q.peek('s1');
    expect(q.pending('s2')).toBe(1);
    expect(q.totalPending()).toBe(2);
  });

  it('TestQueue_EnqueueBatch / MultipleEnqueue', () => {
    const q = new BlockAssignmentQueue();
    q.enqueueBatch('s1', [a('/p1', 1), a('/p2', 1)]);
    q.enqueueBatch('s1', []);
    q.enqueue('s1', a('/p3', 1));
    expect(q.peek('s1').map((x) => x.path)).toEqual(['/p1', '/p2', '/p3']);
  });

  it('TestQueue_ConfirmRemovesMatching: only the (path, epoch) match goes, the first one only', () => {
    const q = new BlockAssignmentQueue();
    q.enqueue('s1', a('/p1', 1));
    q.enqueue('s1', a('/p2', 1));
    q.confirm('s1', '/p1', 2);
    expect(q.pending('s1')).toBe(2);
    q.confirm('s1', '/p1', 1);
    expect(q.peek('s1').map((x) => x.path)).toEqual(['/p2']);
  });

  it('TestQueue_ConfirmFromHeartbeat_PrunesConfirmed: reported (path, epoch) confirms', () => {
    const q = new BlockAssignmentQueue();
    q.enqueue('s1', a('/p1', 5));
    q.enqueue('s1', a('/p2', 10));
    q.confirmFromHeartbeat('s1', [infoMessage({ path: '/p1', epoch: 5 }), infoMessage({ path: '/p2', epoch: 9 })]);
    expect(q.peek('s1').map((x) => [x.path, x.epoch])).toEqual([['/p2', 10]]);
  });

  it('confirmation ignores the role: a Rebuilding assignment is confirmed by a report of another role at that epoch', () => {
    const q = new BlockAssignmentQueue();
    q.enqueue('s1', a('/p1', 2, Role.Rebuilding));
    q.confirmFromHeartbeat('s1', [infoMessage({ path: '/p1', epoch: 2, role: Role.Primary })]);
    expect(q.pending('s1')).toBe(0);
  });

  it('TestQueue_PeekPrunesStaleEpochs: older epochs for a path are dropped, same-epoch duplicates kept', () => {
    const q = new BlockAssignmentQueue();
    q.enqueue('s1', a('/p1', 1));
    q.enqueue('s1', a('/p1', 3));
    q.enqueue('s1', a('/p2', 2));
    q.enqueue('s1', a('/p1', 3, Role.Replica));
    const got = q.peek('s1');
    expect(got.map((x) => [x.path, x.epoch, x.role])).toEqual([['/p1', 3, Role.Primary], ['/p2', 2, Role.Primary], ['/p1', 3, Role.Replica]]);
    expect(q.pending('s1')).toBe(3);
  });
});
