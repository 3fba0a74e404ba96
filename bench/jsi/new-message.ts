// newMessage → ack as JavaScript sees it: the public package (`AZStackCore`) on the Linux JSI host, through the
// TurboModule, azstack-ffi and the engine, to a running azstack-server and back — N messages one after another.
// Prints p50/p99; asserts nothing.
//
//   AZSTACK_URL=… AZSTACK_APP_ID=… AZSTACK_PUBLIC_KEY=… scripts/jsi-run bench/jsi/new-message.ts --release
//
// (scripts/lib/server.sh's start_dev_server, or `azstack-server dev`, gives the three values.)
import { AZStackCore } from 'azstack-react-native';

const N = Number(host.env('AZSTACK_BENCH_N') || 2000);

function env(name: string): string {
  const value = host.env(name);
  if (!value) {
    console.error(`${name} is not set`);
    return host.exit(2);
  }
  return value;
}

const authenticatingData = (azStackUserId: string) => ({
  appId: env('AZSTACK_APP_ID'),
  publicKey: env('AZSTACK_PUBLIC_KEY'),
  azStackUserId,
  fullname: azStackUserId,
});

(async () => {
  const sender = new AZStackCore({ masterSocketUri: env('AZSTACK_URL'), authenticatingData: authenticatingData('bench-js-sender') });
  const receiver = new AZStackCore({ masterSocketUri: env('AZSTACK_URL'), authenticatingData: authenticatingData('bench-js-receiver') });
  await sender.connect();
  const to = (await receiver.connect()).userId;
  const samples = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    await sender.newMessage({ chatType: 1, chatId: to, text: `bench ${i}` });
    samples[i] = performance.now() - t0;
  }
  samples.sort();
  const at = (q: number) => samples[Math.min(N - 1, Math.floor(q * N))];
  console.log(
    `newMessage → ack from JavaScript, ${N} sequential messages, ${__DEV__ ? 'DEBUG build' : 'release build'}: ` +
      `p50 ${at(0.5).toFixed(3)} ms, p99 ${at(0.99).toFixed(3)} ms`,
  );
  await sender.disconnect();
  await receiver.disconnect();
  sender.destroy();
  receiver.destroy();
  host.exit(0);
})().catch((error) => {
  console.error('bench failed:', JSON.stringify(error));
  host.exit(1);
});
