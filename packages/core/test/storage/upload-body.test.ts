import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ErrorCode, S3loError } from '../../src/errors/index.js';
import { openUploadBody, readPutBody } from '../../src/storage/upload-body.js';
import { rejected } from '../support/thrown.js';

async function drain(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('openUploadBody', () => {
  it('passes the body through the counter, reporting progress', async () => {
    const progress: number[] = [];
    const upload = openUploadBody(Buffer.from('hello'), { key: 'k', size: 5, onProgress: (n) => progress.push(n) });
    expect((await drain(upload.counter)).toString()).toBe('hello');
    expect(upload.counter.bytes).toBe(5);
    expect(progress.at(-1)).toBe(5);
    upload.release();
  });

  it('fails a body shorter than announced with SIZE_MISMATCH naming the key', async () => {
    const upload = openUploadBody(Buffer.from('hi'), { key: 'blobs/x', size: 5 });
    const error = await rejected(drain(upload.counter));
    expect(error.code).toBe(ErrorCode.SIZE_MISMATCH);
    expect(error.message).toContain('the body of "blobs/x"');
    upload.release();
  });

  it("aborts the operation and the counter when the caller's signal fires, and no longer after release", async () => {
    const controller = new AbortController();
    const upload = openUploadBody(new Readable({ read() {} }), { key: 'k', signal: controller.signal });
    const reading = drain(upload.counter).catch((e: unknown) => e);
    controller.abort(new Error('stop'));
    expect(upload.operation.signal.aborted).toBe(true);
    expect(S3loError.isInstance(await reading, ErrorCode.ABORTED)).toBe(true);
    upload.release();

    const other = new AbortController();
    const released = openUploadBody(Buffer.from('x'), { key: 'k', signal: other.signal });
    released.release();
    other.abort();
    expect(released.operation.signal.aborted).toBe(false);
    expect((await drain(released.counter)).toString()).toBe('x');
  });
});

describe('readPutBody', () => {
  it('returns what the read returns', async () => {
    await expect(readPutBody(async () => Buffer.from('ok'), { bucket: 'b', key: 'k' })).resolves.toEqual(Buffer.from('ok'));
  });

  it('turns a plain body error into BACKEND_ERROR saying so', async () => {
    const error = await rejected(
      readPutBody(
        async () => {
          throw new Error('disk gone');
        },
        { bucket: 'b', key: 'k' },
      ),
    );
    expect(error.code).toBe(ErrorCode.BACKEND_ERROR);
    expect(error.message).toBe('put "k": reading the body failed: disk gone');
    expect(error.details).toEqual({ bucket: 'b', key: 'k' });
  });

  it('passes S3loErrors unchanged', async () => {
    const mismatch = new S3loError(ErrorCode.DIGEST_MISMATCH, 'digest');
    expect(
      await rejected(
        readPutBody(
          async () => {
            throw mismatch;
          },
          { bucket: 'b', key: 'k' },
        ),
      ),
    ).toBe(mismatch);
  });
});
