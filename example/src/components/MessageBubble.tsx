import { Image, Pressable, StyleSheet, Text } from 'react-native';
import { chatConstants, type Message } from 'azstack-react-native';
import { messageText } from '../messageText';

const { MESSAGE_STATUS_SENDING, MESSAGE_STATUS_SENT, MESSAGE_STATUS_DELIVERED, MESSAGE_STATUS_SEEN, MESSAGE_STATUS_CANCELLED } =
  chatConstants;

/** What my message's status looks like. */
const STATUS_MARKS: Record<number, string> = {
  [MESSAGE_STATUS_SENDING]: '…',
  [MESSAGE_STATUS_SENT]: '✓',
  [MESSAGE_STATUS_DELIVERED]: '✓✓',
  [MESSAGE_STATUS_SEEN]: '✓✓ seen',
};

const SYSTEM_TYPES = new Set<number>([
  chatConstants.MESSAGE_TYPE_GROUP_CREATED,
  chatConstants.MESSAGE_TYPE_GROUP_INVITED,
  chatConstants.MESSAGE_TYPE_GROUP_LEFT,
  chatConstants.MESSAGE_TYPE_GROUP_RENAMED,
  chatConstants.MESSAGE_TYPE_GROUP_ADMIN_CHANGED,
  chatConstants.MESSAGE_TYPE_GROUP_PUBLIC_JOINED,
]);

interface Props {
  message: Message;
  mine: boolean;
  /** The sender's name, shown in group chats. */
  senderName?: string;
  nameOf: (userId: number) => string;
  onLongPress: () => void;
}

/** One message of the chat: text, sticker, file or location, or a group system message. */
export function MessageBubble({ message, mine, senderName, nameOf, onLongPress }: Props) {
  if (SYSTEM_TYPES.has(message.type)) {
    return <Text style={styles.system}>{messageText(message, nameOf)}</Text>;
  }
  const cancelled = message.status === MESSAGE_STATUS_CANCELLED;
  return (
    <Pressable
      onLongPress={cancelled ? undefined : onLongPress}
      style={[styles.bubble, mine ? styles.mine : styles.theirs, cancelled && styles.cancelled]}
    >
      {senderName !== undefined && !mine && <Text style={styles.sender}>{senderName}</Text>}
      {cancelled ? (
        <Text style={styles.muted}>Message recalled</Text>
      ) : message.type === chatConstants.MESSAGE_TYPE_STICKER && message.sticker?.url ? (
        <Image source={{ uri: message.sticker.url }} style={styles.sticker} />
      ) : (
        <Text>{messageText(message, nameOf)}</Text>
      )}
      <Text style={styles.meta}>
        {new Date(message.created).toLocaleTimeString()}
        {mine && !cancelled ? `  ${STATUS_MARKS[message.status] ?? ''}` : ''}
      </Text>
    </Pressable>
  );
}

const styles = StyleSheet.create({
  bubble: { maxWidth: '80%', marginHorizontal: 12, marginVertical: 4, padding: 10, borderRadius: 12 },
  mine: { alignSelf: 'flex-end', backgroundColor: '#dcf0ff' },
  theirs: { alignSelf: 'flex-start', backgroundColor: '#f1f1f1' },
  cancelled: { opacity: 0.6 },
  sender: { fontSize: 12, fontWeight: '600', marginBottom: 2 },
  sticker: { width: 96, height: 96 },
  meta: { fontSize: 11, color: '#777', marginTop: 4, alignSelf: 'flex-end' },
  muted: { color: '#777', fontStyle: 'italic' },
  system: { alignSelf: 'center', color: '#777', fontSize: 12, marginVertical: 6 },
});
