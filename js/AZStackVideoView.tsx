import type { ViewProps } from 'react-native';
import AZStackVideoViewNativeComponent from './specs/AZStackVideoViewNativeComponent';

/** The props of {@link AZStackVideoView}. */
export interface AZStackVideoViewProps extends ViewProps {
  /** The stream to draw: `stream.toURL()` of a stream from `onLocalStreamArrived` or `onRemoteStreamArrived`. */
  streamURL: string;
  /** `'cover'` (default) crops the frames to fill the view; `'contain'` fits them inside it. */
  objectFit?: 'cover' | 'contain';
  /** Mirror the frames horizontally, as usual for the local front camera. Default false. */
  mirror?: boolean;
}

/**
 * Draws the video of a call stream.
 *
 * @example
 * ```tsx
 * <AZStackVideoView streamURL={stream.toURL()} objectFit="cover" mirror style={{ flex: 1 }} />
 * ```
 */
export function AZStackVideoView(props: AZStackVideoViewProps) {
  return <AZStackVideoViewNativeComponent {...props} />;
}
