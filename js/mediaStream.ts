/**
 * The media stream of a video call, as `onLocalStreamArrived` and `onRemoteStreamArrived` hand it over.
 *
 * The frames never pass through JavaScript: the engine delivers them to native views by stream id. The engine reports
 * a stream as `{"stream": {"id": "<stream id>"}}`; this module turns that into an object with `toURL()`, the same
 * shape react-native-webrtc's `MediaStream` has, so that `<AZStackVideoView streamURL={stream.toURL()} />` works as
 * with the original SDK.
 */

/** A call's audio/video stream. */
export class AZStackMediaStream {
  /** @param id - the engine's id of the stream. */
  constructor(readonly id: string) {}

  /** The value for `<AZStackVideoView streamURL>`: the stream's id. */
  toURL(): string {
    return this.id;
  }
}

/** `result` with a `stream: {id}` field replaced by an {@link AZStackMediaStream}; any other value unchanged. */
export function withMediaStream(result: unknown): unknown {
  if (typeof result !== 'object' || result === null || !('stream' in result)) {
    return result;
  }
  const { stream } = result;
  if (typeof stream !== 'object' || stream === null || !('id' in stream) || typeof stream.id !== 'string') {
    return result;
  }
  return { ...result, stream: new AZStackMediaStream(stream.id) };
}
