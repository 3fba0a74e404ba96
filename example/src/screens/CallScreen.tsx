import { useEffect, useRef, useState } from 'react';
import { Pressable, StyleSheet, Text, View } from 'react-native';
import { AZStackVideoView, callConstants, type AZStackMediaStream, type CallStatus } from 'azstack-react-native';
import { showError } from '../errors';
import { ensureCallPermissions } from '../permissions';
import { useNavigation } from '../navigation';
import { useSession } from '../session';
import { useDelegate } from '../useDelegate';

const {
  CALL_MEDIA_TYPE_VIDEO,
  CALL_STATUS_FREE_CALL_RINGING,
  CALL_STATUS_FREE_CALL_ANSWERED,
  CALL_STATUS_FREE_CALL_BUSY,
  CALL_STATUS_FREE_CALL_REJECTED,
  CALL_STATUS_FREE_CALL_STOP,
  CALL_STATUS_FREE_CALL_NOT_ANSWERED,
  CALL_WEBRTC_AUDIO_STATE_ON,
  CALL_WEBRTC_VIDEO_STATE_ON,
} = callConstants;

/** Statuses that end the call. */
const ENDING_STATUSES = new Set<number>([
  CALL_STATUS_FREE_CALL_BUSY,
  CALL_STATUS_FREE_CALL_REJECTED,
  CALL_STATUS_FREE_CALL_STOP,
  CALL_STATUS_FREE_CALL_NOT_ANSWERED,
]);

/** What the caller sees for each status the callee reports. */
const STATUS_TEXT: Record<number, string> = {
  [CALL_STATUS_FREE_CALL_RINGING]: 'Ringing…',
  [CALL_STATUS_FREE_CALL_ANSWERED]: 'Connected',
  [CALL_STATUS_FREE_CALL_BUSY]: 'Busy',
  [CALL_STATUS_FREE_CALL_REJECTED]: 'Declined',
  [CALL_STATUS_FREE_CALL_STOP]: 'Call ended',
  [CALL_STATUS_FREE_CALL_NOT_ANSWERED]: 'No answer',
};

/** How long an incoming call rings before it is reported not answered. */
const RING_TIMEOUT_MS = 30_000;

interface Props {
  peerId: number;
  title: string;
  /** The call rings here (onFreeCallStart) rather than being started from here. */
  incoming: boolean;
}

/** A free video call (seed README §3.5.1, §3.5.4). */
export function CallScreen({ peerId, title, incoming }: Props) {
  const { core } = useSession();
  const navigation = useNavigation();
  const [status, setStatus] = useState(incoming ? 'Incoming video call' : 'Calling…');
  const [answered, setAnswered] = useState(!incoming);
  const [localStream, setLocalStream] = useState<AZStackMediaStream | null>(null);
  const [remoteStream, setRemoteStream] = useState<AZStackMediaStream | null>(null);
  const [audioOn, setAudioOn] = useState(true);
  const [videoOn, setVideoOn] = useState(true);
  const [speakerOn, setSpeakerOn] = useState(true); // the default of a video call
  const [interrupted, setInterrupted] = useState(false); // a phone call or Siri took the audio
  const ringTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (incoming) {
      ringTimer.current = setTimeout(() => {
        core.notAnswerFreeCall({}, navigation.pop);
      }, RING_TIMEOUT_MS);
    } else {
      ensureCallPermissions(core)
        .then((granted) => {
          if (!granted) {
            throw new Error('The camera and microphone permissions are needed for a video call.');
          }
          return core.startFreeCall({ mediaType: CALL_MEDIA_TYPE_VIDEO, toUserId: peerId });
        })
        .catch((error: unknown) => {
          showError('Cannot call', error);
          navigation.pop();
        });
    }
    return () => {
      if (ringTimer.current) {
        clearTimeout(ringTimer.current);
      }
    };
  }, [core, incoming, peerId, navigation]);

  const onStatus = (change: CallStatus) => {
    setStatus(STATUS_TEXT[change.status] ?? change.message ?? '');
    if (ENDING_STATUSES.has(change.status)) {
      navigation.pop();
    }
  };
  useDelegate(core, 'onFreeCallStatusChanged', (error, change) => change && !error && onStatus(change));
  // Another of my devices answered, declined or ended this call.
  useDelegate(core, 'onFreeCallStatusChangedByMe', (error, change) => {
    if (!error && change && (change.status === CALL_STATUS_FREE_CALL_ANSWERED || ENDING_STATUSES.has(change.status))) {
      navigation.pop();
    }
  });
  useDelegate(core, 'onLocalStreamArrived', (error, result) => !error && setLocalStream(result?.stream ?? null));
  useDelegate(core, 'onRemoteStreamArrived', (error, result) => !error && setRemoteStream(result?.stream ?? null));
  useDelegate(core, 'onAudioInterrupted', () => setInterrupted(true));
  useDelegate(core, 'onAudioResumed', () => setInterrupted(false));

  const answer = async () => {
    if (ringTimer.current) {
      clearTimeout(ringTimer.current);
    }
    if (!(await ensureCallPermissions(core))) {
      core.rejectFreeCall({}, navigation.pop);
      return;
    }
    core.answerFreeCall({}, (error) => {
      if (error) {
        showError('Cannot answer', error);
        navigation.pop();
      } else {
        setAnswered(true);
        setStatus('Connected');
      }
    });
  };
  const reject = () => core.rejectFreeCall({}, navigation.pop);
  const hangUp = () => core.stopFreeCall({}, navigation.pop);
  const toggleAudio = () =>
    core.toggleAudioState({}, (error, result) =>
      error ? showError('Cannot toggle the microphone', error) : setAudioOn(result?.audioState === CALL_WEBRTC_AUDIO_STATE_ON),
    );
  const toggleVideo = () =>
    core.toggleVideoState({}, (error, result) =>
      error ? showError('Cannot toggle the camera', error) : setVideoOn(result?.videoState === CALL_WEBRTC_VIDEO_STATE_ON),
    );
  const switchCamera = () => core.switchCameraType({}, (error) => error && showError('Cannot switch the camera', error));
  // A video call starts on the loudspeaker; this switches to the earpiece and back.
  const toggleSpeaker = () =>
    core.setSpeakerphoneOn({ on: !speakerOn }, (error, result) =>
      error ? showError('Cannot switch the speaker', error) : setSpeakerOn(result?.route === 'speaker'),
    );

  return (
    <View style={styles.screen}>
      {remoteStream && <AZStackVideoView streamURL={remoteStream.toURL()} objectFit="cover" style={StyleSheet.absoluteFill} />}
      {localStream && <LocalPreview stream={localStream} />}
      <View style={styles.top}>
        <Text style={styles.name}>{title}</Text>
        <Text style={styles.status}>{interrupted ? 'On hold: another call or app has the audio' : status}</Text>
      </View>
      <View style={styles.controls}>
        {answered ? (
          <>
            <CallButton label={audioOn ? 'Mute' : 'Unmute'} onPress={toggleAudio} />
            <CallButton label={videoOn ? 'Camera off' : 'Camera on'} onPress={toggleVideo} />
            <CallButton label="Flip" onPress={switchCamera} />
            <CallButton label={speakerOn ? 'Earpiece' : 'Speaker'} onPress={toggleSpeaker} />
            <CallButton label="Hang up" danger onPress={hangUp} />
          </>
        ) : (
          <>
            <CallButton label="Decline" danger onPress={reject} />
            <CallButton label="Answer" onPress={answer} />
          </>
        )}
      </View>
    </View>
  );
}

/** My own camera, mirrored like a mirror. */
function LocalPreview({ stream }: { stream: AZStackMediaStream }) {
  return (
    <View style={styles.preview}>
      <AZStackVideoView streamURL={stream.toURL()} objectFit="cover" mirror style={StyleSheet.absoluteFill} />
    </View>
  );
}

function CallButton({ label, danger = false, onPress }: { label: string; danger?: boolean; onPress: () => void }) {
  return (
    <Pressable style={[styles.button, danger && styles.danger]} onPress={onPress}>
      <Text style={styles.buttonText}>{label}</Text>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  screen: { flex: 1, backgroundColor: '#111' },
  top: { paddingTop: 64, alignItems: 'center' },
  name: { color: '#fff', fontSize: 24, fontWeight: '600' },
  status: { color: '#ccc', marginTop: 8 },
  preview: { position: 'absolute', right: 16, top: 120, width: 110, height: 160, borderRadius: 8, overflow: 'hidden' },
  controls: { position: 'absolute', bottom: 48, left: 0, right: 0, flexDirection: 'row', justifyContent: 'space-evenly' },
  button: { backgroundColor: '#333', borderRadius: 28, paddingHorizontal: 16, paddingVertical: 12 },
  danger: { backgroundColor: '#c62828' },
  buttonText: { color: '#fff', fontWeight: '600' },
});
