import { useState } from 'react';
import { Pressable, Switch, Text, TextInput, View } from 'react-native';
import { chatConstants, groupConstants } from 'azstack-react-native';
import { BackHeader } from '../components/BackHeader';
import { showError } from '../errors';
import { useNavigation } from '../navigation';
import { useSession } from '../session';
import { common } from '../styles';
import { findUsers, parseUserList } from '../users';

/** Creates a private or public group with me as admin (seed README §3.9.1.1). */
export function CreateGroupScreen() {
  const { core } = useSession();
  const navigation = useNavigation();
  const [name, setName] = useState('');
  const [members, setMembers] = useState('');
  const [isPublic, setIsPublic] = useState(false);
  const [creating, setCreating] = useState(false);

  const create = async () => {
    setCreating(true);
    try {
      const users = await findUsers(core, parseUserList(members));
      const group = await core.createGroup({
        type: isPublic ? groupConstants.GROUP_TYPE_PUBLIC : groupConstants.GROUP_TYPE_PRIVATE,
        name: name.trim(),
        memberIds: users.map((user) => user.userId),
      });
      navigation.replace({ name: 'chat', chatType: chatConstants.CHAT_TYPE_GROUP, chatId: group.groupId, title: group.name });
    } catch (error) {
      showError('Cannot create the group', error);
    } finally {
      setCreating(false);
    }
  };

  return (
    <View style={common.screen}>
      <BackHeader title="New group" />
      <View style={{ paddingHorizontal: 16, gap: 12 }}>
        <TextInput style={common.input} placeholder="Group name" value={name} onChangeText={setName} />
        <TextInput
          style={common.input}
          placeholder="Members (azStackUserIds, comma-separated)"
          autoCapitalize="none"
          value={members}
          onChangeText={setMembers}
        />
        <View style={{ flexDirection: 'row', alignItems: 'center', gap: 8 }}>
          <Switch value={isPublic} onValueChange={setIsPublic} />
          <Text>Public group</Text>
        </View>
        <Pressable
          style={common.button}
          disabled={creating || name.trim() === '' || parseUserList(members).length === 0}
          onPress={() => void create()}
        >
          <Text style={common.buttonText}>{creating ? 'Creating…' : 'Create'}</Text>
        </Pressable>
      </View>
    </View>
  );
}
