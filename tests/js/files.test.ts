/**
 * End to end (extension): uploadFile streams a multi-megabyte file from disk to the server's file store in each of
 * the seed README's three styles, with onUploadFileProgress events ending at the file's size; the result goes into
 * a file message (newMessage `file: {url, name, length, type}`) that a second user receives.
 */
import { chatConstants, errorCodes, type UploadProgress } from 'azstack-react-native';
import { any, assert, deepEqual, expectError, run, test, waitForDelegate } from './harness';
import { DEADLINE_MS, SERVER_URL, STYLES, callInStyle, connectClient, expectedMessage, resultOf, uniqueUserId, type Client } from './fixtures';

const SIZE = 3 * 1024 * 1024;
const PATH = `${host.env('TMPDIR') ?? '/tmp'}/${uniqueUserId('upload')}.bin`;
/**
 * newMessage takes only public URLs (the original's rule refuses loopback addresses, and this server listens on
 * 127.0.0.1): the message names the link under a public host, as a reverse proxy would serve it.
 */
const PUBLIC_URL = 'https://files.example.org';

let fay: Client;
let gus: Client;

/** Runs `argv` to its end (bounded), failing unless it exits 0. */
async function runToEnd(argv: string[]): Promise<void> {
  const pid = host.spawn(argv);
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const code = host.poll(pid);
    if (code !== null) {
      assert(code === 0, `${argv.join(' ')} exited with ${code}`);
      return;
    }
    assert(Date.now() < deadline, `${argv.join(' ')} did not end within ${DEADLINE_MS} ms`);
    await new Promise<void>((resolve) => setTimeout(resolve, 10));
  }
}

test('connect fay and gus; a 3 MiB file on disk', async () => {
  fay = await connectClient(uniqueUserId('fay'));
  gus = await connectClient(uniqueUserId('gus'));
  await runToEnd(['dd', 'if=/dev/urandom', `of=${PATH}`, 'bs=65536', `count=${SIZE / 65536}`, 'status=none']);
});

let uploadedUrl = '';

test('uploadFile in every style: progress up to the size, then the link', async () => {
  for (const style of STYLES) {
    const progress: UploadProgress[] = [];
    fay.core.Delegates.onUploadFileProgress = (_error, p) => {
      if (p) progress.push(p);
    };
    const name = `clip-${style}.bin`;
    const result = resultOf(
      await callInStyle<{ url: string }>(style, fay.core, 'uploadFile', 'onUploadFileReturn', {
        path: PATH,
        name,
        mimeType: 'application/x-clip',
      }),
      `uploadFile (${style})`,
    );
    deepEqual(result, { url: any.string, fileLength: SIZE, mimeType: 'application/x-clip', name }, `result (${style})`);
    assert(result.url.startsWith(`${SERVER_URL}/files/`), `a link to this server: ${result.url}`);
    assert(progress.length >= 10, `progress events (${style}): ${progress.length}`);
    assert(progress.every((p, i) => p.total === SIZE && p.name === name && (i === 0 || p.sent > progress[i - 1]!.sent)), `progress rises (${style})`);
    assert(progress[progress.length - 1]!.sent === SIZE, `the last progress is the whole file (${style})`);
    uploadedUrl = result.url;
  }
  fay.core.Delegates.onUploadFileProgress = () => {};
});

test('the upload goes into a file message that gus receives', async () => {
  const url = uploadedUrl.replace(SERVER_URL, PUBLIC_URL);
  const file = { name: 'clip.bin', length: SIZE, type: chatConstants.MESSAGE_FILE_TYPE_VIDEO, url };
  const incoming = waitForDelegate(gus.core, 'onHasNewMessage', DEADLINE_MS);
  const sent = await fay.core.newMessage({ chatType: chatConstants.CHAT_TYPE_USER, chatId: gus.user.userId, file });
  deepEqual(sent.file, file, 'the sent message');
  const { error, result } = await incoming;
  deepEqual(
    { error, result },
    {
      error: null,
      result: expectedMessage({
        chatType: chatConstants.CHAT_TYPE_USER,
        chatId: fay.user.userId,
        senderId: fay.user.userId,
        receiverId: gus.user.userId,
        type: chatConstants.MESSAGE_TYPE_FILE,
        file,
      }),
    },
    'what gus receives',
  );
});

test('uploadFile refusals', async () => {
  await expectError(fay.core.uploadFile({}), { code: errorCodes.ERR_UNEXPECTED_SEND_DATA, message: 'path or uri is required' });
  await expectError(fay.core.uploadFile({ uri: 'content://media/1' }), {
    code: errorCodes.ERR_UNEXPECTED_SEND_DATA,
    message: 'uri must be a file:// URI',
  });
});

void run();
