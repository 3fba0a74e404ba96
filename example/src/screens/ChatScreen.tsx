import { useCallback, useEffect, useRef, useState } from 'react';
import { Alert, FlatList, KeyboardAvoidingView, Pressable, Text, TextInput, View } from 'react-native';
import { chatConstants, type Message, type MessageStatusChange } from 'azstack-react-native';
import { BackHeader } from '../components/BackHeader';
import { MessageBubble } from '../components/MessageBubble';
import { showError } from '../errors';
import { useNavigation } from '../navigation';
import { useSession } from '../session';
import { common } from '../styles';
import { useDelegate } from '../useDelegate';

const { CHAT_TYPE_GROUP, MESSAGE_STATUS_DELIVERED, MESSAGE_STATUS_SEEN, MESSAGE_STATUS_CANCELLED } = chatConstants;

/** Typing notices are sent at most this often, and shown this long. */
const TYPING_INTERVAL_MS = 3000;

/** A sticker of the original AZStack catalogue. */
const DEMO_STICKER = { name: '002.png', catId: 1, url: 'http://azstack.com/api/public_html/sticker/1/002.png' };

/**
 * A file message. A real app uploads the file first (for example with an image picker and an HTTP upload) and sends
 * the URL it got back; the SDK only sends the message.
 */
const DEMO_FILE = {
  name: 'logo.png',
  length: 5183,
  type: chatConstants.MESSAGE_FILE_TYPE_IMAGE,
  url: 'https://azstack.com/static/images/logo.png',
};

interface Props {
  chatType: number;
  chatId: number;
  title: string;
}

/** One conversation: history, sending, typing, receipts (seed README §3.7). */
export function ChatScreen({ chatType, chatId, title }: Props) {
  const { core, me } = useSession();
  const navigation = useNavigation();
  const [messages, setMessages] = useState<Message[]>([]); // newest first
  const [draft, setDraft] = useState('');
  const [someoneTyping, setSomeoneTyping] = useState<number | null>(null);
  const lastTypingSent = useRef(0);
  const typingTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const isThisChat = (m: { chatType: number; chatId: number }) => m.chatType === chatType && m.chatId === chatId;
  const nameOf = (userId: number) => (userId === me.userId ? 'You' : userId === chatId ? title : `User ${userId}`);

  /** Tells the sender their message reached me and that I saw it. */
  const acknowledge = useCallback(
    (message: Message) => {
      for (const messageStatus of [MESSAGE_STATUS_DELIVERED, MESSAGE_STATUS_SEEN]) {
        core.changeMessageStatus({ chatType, chatId, messageSenderId: message.senderId, messageStatus, msgId: message.msgId });
      }
    },
    [core, chatType, chatId],
  );

  useEffect(() => {
    const lastCreated = Date.now();
    core
      .getModifiedMessages({ page: 1, lastCreated, chatType, chatId })
      .then((page) => setMessages(page.list))
      .catch((error: unknown) => showError('Cannot load the messages', error));
    // What I had not seen yet, I see now.
    core.getUnreadMessages({ page: 1, chatType, chatId }, (error, unread) => {
      for (const message of unread?.list ?? []) {
        core.changeMessageStatus({
          chatType,
          chatId,
          messageSenderId: message.senderId,
          messageStatus: MESSAGE_STATUS_SEEN,
          msgId: message.msgId,
        });
      }
      if (error) {
        showError('Cannot load the unread messages', error);
      }
    });
    return () => {
      if (typingTimer.current) {
        clearTimeout(typingTimer.current);
      }
    };
  }, [core, chatType, chatId]);

  const addMessage = (message: Message) => setMessages((list) => [message, ...list]);

  useDelegate(core, 'onHasNewMessage', (error, message) => {
    if (!error && message && isThisChat(message)) {
      addMessage(message);
      setSomeoneTyping(null);
      acknowledge(message);
    }
  });
  useDelegate(core, 'onMessageFromMe', (error, message) => {
    if (!error && message && isThisChat(message)) {
      addMessage(message);
    }
  });
  useDelegate(core, 'onMessageStatusChanged', (error, change) => {
    if (!error && change && isThisChat(change)) {
      setMessages((list) => list.map((m) => withStatus(m, change, me.userId)));
    }
  });
  useDelegate(core, 'onTyping', (error, typing) => {
    if (error || !typing || !isThisChat(typing) || typing.senderId === me.userId) {
      return;
    }
    setSomeoneTyping(typing.senderId);
    if (typingTimer.current) {
      clearTimeout(typingTimer.current);
    }
    typingTimer.current = setTimeout(() => setSomeoneTyping(null), TYPING_INTERVAL_MS);
  });
  const onGroupEvent = (error: unknown, message: Message | null) => {
    if (!error && message && isThisChat(message)) {
      addMessage(message);
    }
  };
  useDelegate(core, 'onGroupCreated', onGroupEvent);
  useDelegate(core, 'onGroupInvited', onGroupEvent);
  useDelegate(core, 'onGroupLeft', onGroupEvent);
  useDelegate(core, 'onGroupRenamed', onGroupEvent);
  useDelegate(core, 'onGroupAdminChanged', onGroupEvent);
  useDelegate(core, 'onGroupPublicJoined', onGroupEvent);

  const send = (content: Pick<Parameters<typeof core.newMessage>[0], 'text' | 'sticker' | 'file'>) => {
    core.newMessage({ chatType, chatId, ...content }, (error, message) => {
      if (error || !message) {
        showError('Cannot send', error);
      } else {
        addMessage(message);
      }
    });
  };

  const onChangeDraft = (text: string) => {
    setDraft(text);
    const now = Date.now();
    if (text !== '' && now - lastTypingSent.current > TYPING_INTERVAL_MS) {
      lastTypingSent.current = now;
      core.sendTyping({ chatType, chatId });
    }
  };

  const sendDraft = () => {
    if (draft.trim() !== '') {
      send({ text: draft.trim() });
      setDraft('');
    }
  };

  /** Recalls one of my messages; the other side gets onMessageStatusChanged, I update my own copy. */
  const recall = (message: Message, ids: Omit<Parameters<typeof core.changeMessageStatus>[0], 'messageStatus'>) => {
    core
      .changeMessageStatus({ ...ids, messageStatus: MESSAGE_STATUS_CANCELLED })
      .then(() => setMessages((list) => list.map((m) => (m === message ? { ...m, status: MESSAGE_STATUS_CANCELLED } : m))))
      .catch((error: unknown) => showError('Cannot recall', error));
  };

  const onLongPress = (message: Message) => {
    const mine = message.senderId === me.userId;
    const ids = { chatType, chatId, messageSenderId: message.senderId, msgId: message.msgId };
    Alert.alert(mine ? 'Recall or delete this message?' : 'Delete this message?', undefined, [
      { text: 'Cancel', style: 'cancel' },
      ...(mine
        ? [{ text: 'Recall for everyone', onPress: () => recall(message, ids) }]
        : []),
      {
        text: 'Delete for me',
        style: 'destructive' as const,
        onPress: () =>
          core
            .deleteMessage(ids)
            .then(() => setMessages((list) => list.filter((m) => m !== message)))
            .catch((error: unknown) => showError('Cannot delete', error)),
      },
    ]);
  };

  return (
    <KeyboardAvoidingView style={common.screen} behavior="padding">
      <BackHeader title={title}>
        {chatType === CHAT_TYPE_GROUP ? (
          <Pressable onPress={() => navigation.push({ name: 'group', groupId: chatId })}>
            <Text style={common.link}>Group</Text>
          </Pressable>
        ) : (
          <Pressable onPress={() => navigation.push({ name: 'call', peerId: chatId, title, incoming: false })}>
            <Text style={common.link}>Call</Text>
          </Pressable>
        )}
      </BackHeader>
      <FlatList
        inverted
        data={messages}
        keyExtractor={(m) => `${m.senderId}:${m.msgId}`}
        renderItem={({ item }) => (
          <MessageBubble
            message={item}
            mine={item.senderId === me.userId}
            senderName={chatType === CHAT_TYPE_GROUP ? nameOf(item.senderId) : undefined}
            nameOf={nameOf}
            onLongPress={() => onLongPress(item)}
          />
        )}
      />
      {someoneTyping !== null && <Text style={[common.muted, { paddingHorizontal: 16 }]}>{nameOf(someoneTyping)} is typing…</Text>}
      <View style={[common.header, { paddingTop: 8 }]}>
        <Pressable onPress={() => send({ sticker: DEMO_STICKER })}>
          <Text style={common.link}>Sticker</Text>
        </Pressable>
        <Pressable onPress={() => send({ file: DEMO_FILE })}>
          <Text style={common.link}>File</Text>
        </Pressable>
        <TextInput
          style={[common.input, { flex: 1 }]}
          placeholder="Message"
          value={draft}
          onChangeText={onChangeDraft}
          onSubmitEditing={sendDraft}
        />
        <Pressable onPress={sendDraft}>
          <Text style={common.link}>Send</Text>
        </Pressable>
      </View>
    </KeyboardAvoidingView>
  );
}

/**
 * `message` with the status `change` reports, if the change is about it. A recall comes from the message's author;
 * every other change is about one of my messages and comes from the other side. Statuses only rise, and a recalled
 * message stays recalled.
 */
function withStatus(message: Message, change: MessageStatusChange, myUserId: number): Message {
  const author = change.messageStatus === MESSAGE_STATUS_CANCELLED ? change.senderId : myUserId;
  if (message.msgId !== change.msgId || message.senderId !== author || message.status === MESSAGE_STATUS_CANCELLED) {
    return message;
  }
  const status = change.messageStatus === MESSAGE_STATUS_CANCELLED ? change.messageStatus : Math.max(message.status, change.messageStatus);
  return { ...message, status };
}
