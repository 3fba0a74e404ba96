/** The globals the Linux JSI host (`scripts/jsi-run`) gives a test script, besides `console` and the timers. */

/** What a renderer attached to a stream has drawn (`host.videoStats`). */
interface HostVideoStats {
  /** Frames drawn since the first `videoStats`/`snapshot` call for this stream URL. */
  frames: number;
  width: number;
  height: number;
  /** Frames in the last second. */
  fps: number;
  /** The synthetic test pattern's frame counter in the newest frame; `null` when unreadable (black, no frame). */
  counter: number | null;
  /** Whether the newest frame is black (the sender's video is off); `null` before the first frame. */
  black: boolean | null;
  /** The tint of the test pattern: which camera the sender uses; `null` when unreadable. */
  cameraType: 'user' | 'environment' | null;
}

/** What an engine's speaker played (`host.audioStats`). */
interface HostAudioStats {
  /** Audio packets received and decoded (20 ms each). */
  packetsReceived: number;
  /** RMS level of the last packet, 0–1 of full scale. */
  level: number;
  loudPackets: number;
  silentPackets: number;
}

declare const host: {
  /** An environment variable, or `undefined`. */
  env(name: string): string | undefined;
  /** Ends the script with an exit status. */
  exit(code: number): never;
  /** The names of the process's threads. */
  threads(): string[];
  /** The number of open sockets of the process. */
  openSockets(): number;
  /** Runs the JavaScript garbage collector. */
  gc(): void;
  /** Attaches a renderer to `streamURL` on the first call (as a mounted video view) and reports what it drew. */
  videoStats(streamURL: string): HostVideoStats;
  /** Writes the newest frame of `streamURL` as PNG to `path` and describes it; throws before the first frame. */
  snapshot(streamURL: string, path: string): Pick<HostVideoStats, 'width' | 'height' | 'counter' | 'black' | 'cameraType'>;
  /** What the engine of `core` (an AZStackCore) heard; `null` for a destroyed one. */
  audioStats(core: object): HostAudioStats;
  /** Call resources alive in the process, over every engine, and renderers attached. */
  callResources(): { peerConnections: number; tracks: number; tasks: number; frameSinks: number };
  /** Where call audio plays: the route the call's kind and `setSpeakerphoneOn` chose; `'none'` without call audio. */
  audioRoute(): 'speaker' | 'earpiece' | 'none';
  /** Simulates an audio-session interruption beginning (`true`: a phone call, Siri) or ending (`false`). */
  interruptAudio(interrupted: boolean): void;
  /**
   * Installs the stand-in for the phone's system call UI (cpp/linux-host/src/CallUiProbe.h): `registerForCallNotifications`
   * is answered with these values.
   */
  installCallUi(registration: { deviceToken: string; devicePlatformOS: number; applicationBundleId: string }): void;
  /** A call push arrived (its keys, PROTOCOL.md §10.3) and the system UI shows it ringing. */
  callPushReceived(payload: Record<string, string>): void;
  /** The user answered the system call `key` ("<from>:<callId>"). */
  callAnswered(key: string): void;
  /** The user declined the system call `key`, or hung up once answered. */
  callEnded(key: string): void;
  /** What the system UI shows: `reason` is the SDK's end reason, `'user'` when the user ended it, else null. */
  systemCalls(): Record<string, { state: 'ringing' | 'answered' | 'ended'; reason: string | null }>;
  /** Starts a program (argv[0] looked up in PATH; stdin and stdout /dev/null, stderr inherited); its pid. */
  spawn(argv: string[], options?: { cwd?: string }): number;
  /** The exit code of a spawned program once it ended (128 + signal if killed), else null. Never blocks. */
  poll(pid: number): number | null;
  /** Sends SIGTERM to a spawned program; true if it was still running. */
  kill(pid: number): boolean;
};
