/**
 * The Fabric component spec of the native video view (codegen input).
 *
 * The view draws the frames of one call stream, which the engine hands to a native frame registry by stream id; the
 * frames never pass through JavaScript.
 */
import type { CodegenTypes, HostComponent, ViewProps } from 'react-native';
import { codegenNativeComponent } from 'react-native';

export interface NativeProps extends ViewProps {
  /** The stream to draw: `stream.toURL()` of a stream from `onLocalStreamArrived` or `onRemoteStreamArrived`. */
  streamURL: string;
  /** How frames fill the view: `'cover'` crops to fill it, `'contain'` fits them inside it. */
  objectFit?: CodegenTypes.WithDefault<'cover' | 'contain', 'cover'>;
  /** Mirror the frames horizontally (usual for the local front camera). */
  mirror?: CodegenTypes.WithDefault<boolean, false>;
}

export default codegenNativeComponent<NativeProps>('AZStackVideoView') as HostComponent<NativeProps>;
