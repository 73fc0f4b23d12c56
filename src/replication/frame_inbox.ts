// A per-connection inbox: frames arrive through Transport callbacks, a protocol step reads "the
// next frame" like Go's ReadFrame. Buffers frames nobody is waiting for (TCP stream semantics),
// and wakes the single reader with null once the connection breaks or the reader gives up.

export type FrameReader = (frame: Uint8Array | null) => void;

export class FrameInbox {
  private readonly frames: Uint8Array[] = [];
  private reader: FrameReader | null = null;
  private closed = false;

  push(frame: Uint8Array): void {
    if (this.closed) return;
    const r = this.reader;
    if (r !== null) {
      this.reader = null;
      r(frame);
      return;
    }
    this.frames.push(frame);
  }

  /** The connection broke: a waiting reader gets null, later reads get null at once. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const r = this.reader;
    this.reader = null;
    if (r !== null) r(null);
  }

  /** Deliver the next frame (at once if buffered) or null when the connection is gone. */
  next(reader: FrameReader): void {
    const f = this.frames.shift();
    if (f !== undefined) return reader(f);
    if (this.closed) return reader(null);
    this.reader = reader;
  }

  /** Abandon a pending read (deadline expired); buffered frames stay. */
  cancelRead(): void {
    this.reader = null;
  }

  isClosed(): boolean {
    return this.closed;
  }
}
