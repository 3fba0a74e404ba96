import { useCallback, useEffect, useState } from 'react';
import { Alert, FlatList, Pressable, Text, TextInput, View } from 'react-native';
import { chatConstants, groupConstants, listConstants, type AZStackCore, type Conversation } from 'azstack-react-native';
import { showError } from '../errors';
import { messageText } from '../messageText';
import { useNavigation } from '../navigation';
import { useSession } from '../session';
import { common } from '../styles';
import { useDelegate } from '../useDelegate';
import { findUsers } from '../users';

/** Display names by `chatType:chatId`: users from getUsersInformation, groups from getListGroups. */
async function conversationNames(core: AZStackCore, list: Conversation[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const userIds = list.filter((c) => c.chatType === chatConstants.CHAT_TYPE_USER).map((c) => c.chatId);
  if (userIds.length > 0) {
    const users = await core.getUsersInformation({ userIds });
    for (const user of users.list) {
      out.set(`${chatConstants.CHAT_TYPE_USER}:${user.userId}`, user.fullname);
    }
  }
  for (const groupType of [groupConstants.GROUP_TYPE_PRIVATE, groupConstants.GROUP_TYPE_PUBLIC]) {
    const groups = await core.getListGroups({ groupType });
    for (const group of groups.list) {
      out.set(`${chatConstants.CHAT_TYPE_GROUP}:${group.groupId}`, group.name);
    }
  }
  return out;
}

/** My conversations, most recent first (seed README §3.6). */
export function ConversationListScreen() {
  const { core, me } = useSession();
  const navigation = useNavigation();
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const [newChatWith, setNewChatWith] = useState('');

  const load = useCallback(async () => {
    try {
      // Page with one fixed lastCreated until the server says done.
      const lastCreated = Date.now();
      const all: Conversation[] = [];
      for (let page = 1; ; page++) {
        const result = await core.getModifiedConversations({ page, lastCreated });
        all.push(...result.list);
        if (result.done === listConstants.GET_LIST_DONE) {
          break;
        }
      }
      setConversations(all);
      setNames(await conversationNames(core, all));
    } catch (error) {
      showError('Cannot load conversations', error);
    }
  }, [core]);

  useEffect(() => {
    void load();
  }, [load]);

  const reload = () => void load();
  useDelegate(core, 'onHasNewMessage', reload);
  useDelegate(core, 'onMessageFromMe', reload);
  useDelegate(core, 'onGroupCreated', reload);
  useDelegate(core, 'onGroupInvited', reload);
  useDelegate(core, 'onGroupLeft', reload);
  useDelegate(core, 'onGroupRenamed', reload);
  useDelegate(core, 'onAutoReconnected', (error) => error === null && reload());

  const nameOf = (chatType: number, chatId: number) =>
    names.get(`${chatType}:${chatId}`) ?? (chatType === chatConstants.CHAT_TYPE_GROUP ? `Group ${chatId}` : `User ${chatId}`);
  const userName = (userId: number) => (userId === me.userId ? 'You' : nameOf(chatConstants.CHAT_TYPE_USER, userId));

  const startChat = () => {
    findUsers(core, [newChatWith.trim()])
      .then(([user]) => {
        setNewChatWith('');
        navigation.push({ name: 'chat', chatType: chatConstants.CHAT_TYPE_USER, chatId: user!.userId, title: user!.fullname });
      })
      .catch((error: unknown) => showError('Cannot start the chat', error));
  };

  const confirmDelete = (conversation: Conversation) => {
    Alert.alert('Delete conversation?', nameOf(conversation.chatType, conversation.chatId), [
      { text: 'Cancel', style: 'cancel' },
      {
        text: 'Delete',
        style: 'destructive',
        onPress: () =>
          core.deleteConversation({ chatType: conversation.chatType, chatId: conversation.chatId }, (error) =>
            error ? showError('Cannot delete the conversation', error) : reload(),
          ),
      },
    ]);
  };

  const logOut = () => {
    // Whether or not the disconnection reports an error, the session ends here.
    core.disconnect({}, () => {
      core.destroy();
      navigation.logOut();
    });
  };

  return (
    <View style={common.screen}>
      <View style={common.header}>
        <Text style={common.title}>{me.fullname}</Text>
        <Pressable onPress={() => navigation.push({ name: 'createGroup' })}>
          <Text style={common.link}>New group</Text>
        </Pressable>
        <Pressable onPress={logOut}>
          <Text style={common.link}>Log out</Text>
        </Pressable>
      </View>
      <View style={[common.header, { paddingBottom: 8 }]}>
        <TextInput
          style={[common.input, { flex: 1 }]}
          placeholder="Chat with (azStackUserId)"
          autoCapitalize="none"
          value={newChatWith}
          onChangeText={setNewChatWith}
          onSubmitEditing={startChat}
        />
      </View>
      <FlatList
        data={conversations}
        keyExtractor={(c) => `${c.chatType}:${c.chatId}`}
        renderItem={({ item }) => (
          <Pressable
            style={common.row}
            onPress={() =>
              navigation.push({ name: 'chat', chatType: item.chatType, chatId: item.chatId, title: nameOf(item.chatType, item.chatId) })
            }
            onLongPress={() => confirmDelete(item)}
          >
            <View style={{ flexDirection: 'row' }}>
              <Text style={{ flex: 1, fontSize: 16, fontWeight: item.unread > 0 ? '700' : '400' }}>
                {nameOf(item.chatType, item.chatId)}
              </Text>
              {item.unread > 0 && <Text style={common.link}>{item.unread}</Text>}
            </View>
            <Text style={common.muted} numberOfLines={1}>
              {messageText(item.lastMessage, userName)}
            </Text>
          </Pressable>
        )}
        ListEmptyComponent={<Text style={[common.muted, { padding: 16 }]}>No conversations yet.</Text>}
      />
    </View>
  );
}
