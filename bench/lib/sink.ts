/**
 * Where the parse measurements put their JSON: each document is encoded as UTF-8, with its newline,
 * into one reused buffer — what any consumer (the Firehose response, a file, stdout) must do with
 * it, and what the transform handler does. Ours and the naive baseline use the same sink, so a
 * parser cannot look fast by leaving its strings unmaterialised (V8 concatenations are lazy until read).
 */
export class NdjsonSink {
  private buffer = Buffer.allocUnsafe(8 << 20);
  private position = 0;
  documents = 0;
  bytes = 0;

  add(json: string): void {
    if (this.position + json.length * 3 + 1 > this.buffer.length) {
      this.bytes += this.position;
      this.position = 0;
      if (json.length * 3 + 1 > this.buffer.length) this.buffer = Buffer.allocUnsafe(json.length * 3 + 1);
    }
    this.position += this.buffer.write(json, this.position, 'utf8');
    this.buffer[this.position++] = 10;
    this.documents++;
  }

  flush(): void {
    this.bytes += this.position;
    this.position = 0;
  }
}
