import { useCallback, useEffect, useState } from 'react';
import { FlatList, Pressable, Text, TextInput, View } from 'react-native';
import { groupConstants, userConstants, type GroupDetails } from 'azstack-react-native';
import { BackHeader } from '../components/BackHeader';
import { showError } from '../errors';
import { useNavigation } from '../navigation';
import { useSession } from '../session';
import { common } from '../styles';
import { useDelegate } from '../useDelegate';
import { findUsers, parseUserList } from '../users';

/** A group's members; invite, rename, leave (seed README §3.9). */
export function GroupScreen({ groupId }: { groupId: number }) {
  const { core, me } = useSession();
  const navigation = useNavigation();
  const [details, setDetails] = useState<GroupDetails | null>(null);
  const [newName, setNewName] = useState('');
  const [invitees, setInvitees] = useState('');

  const load = useCallback(() => {
    core.getDetailsGroup({ groupId }, (error, result) => {
      if (error) {
        showError('Cannot load the group', error);
      } else {
        setDetails(result);
      }
    });
  }, [core, groupId]);

  useEffect(load, [load]);

  // Every member, me included, hears of each change through the group delegates.
  const reloadIfThisGroup = (error: unknown, message: { chatId: number } | null) => {
    if (!error && message?.chatId === groupId) {
      load();
    }
  };
  useDelegate(core, 'onGroupInvited', reloadIfThisGroup);
  useDelegate(core, 'onGroupLeft', reloadIfThisGroup);
  useDelegate(core, 'onGroupRenamed', reloadIfThisGroup);
  useDelegate(core, 'onGroupAdminChanged', reloadIfThisGroup);
  useDelegate(core, 'onGroupPublicJoined', reloadIfThisGroup);

  const invite = async () => {
    try {
      const users = await findUsers(core, parseUserList(invitees));
      await core.inviteGroup({ groupId, inviteIds: users.map((user) => user.userId) });
      setInvitees('');
    } catch (error) {
      showError('Cannot invite', error);
    }
  };

  const rename = () => {
    core
      .renameGroup({ groupId, newName: newName.trim() })
      .then(() => setNewName(''))
      .catch((error: unknown) => showError('Cannot rename', error));
  };

  const leave = () => {
    // An admin hands the group to another member before leaving.
    const successor = details?.adminId === me.userId ? details.memberIds.find((id) => id !== me.userId) : undefined;
    core
      .leaveGroup({ groupId, leaveId: me.userId, ...(successor !== undefined && { newAdminId: successor }) })
      .then(() => navigation.popToRoot())
      .catch((error: unknown) => showError('Cannot leave', error));
  };

  if (!details) {
    return <View style={common.screen} />;
  }
  return (
    <View style={common.screen}>
      <BackHeader title={details.name}>
        <Text style={common.muted}>{details.type === groupConstants.GROUP_TYPE_PUBLIC ? 'Public' : 'Private'}</Text>
      </BackHeader>
      <View style={[common.header, { paddingBottom: 8 }]}>
        <TextInput style={[common.input, { flex: 1 }]} placeholder="New name" value={newName} onChangeText={setNewName} />
        <Pressable disabled={newName.trim() === ''} onPress={rename}>
          <Text style={common.link}>Rename</Text>
        </Pressable>
      </View>
      <View style={[common.header, { paddingBottom: 8 }]}>
        <TextInput
          style={[common.input, { flex: 1 }]}
          placeholder="Invite (azStackUserIds, comma-separated)"
          autoCapitalize="none"
          value={invitees}
          onChangeText={setInvitees}
        />
        <Pressable disabled={parseUserList(invitees).length === 0} onPress={() => void invite()}>
          <Text style={common.link}>Invite</Text>
        </Pressable>
      </View>
      <FlatList
        data={details.members}
        keyExtractor={(member) => String(member.userId)}
        renderItem={({ item }) => (
          <View style={common.row}>
            <Text style={{ fontSize: 16 }}>
              {item.fullname}
              {item.userId === details.adminId ? ' (admin)' : ''}
              {item.userId === me.userId ? ' (you)' : ''}
            </Text>
            <Text style={common.muted}>
              {item.status === userConstants.USER_STATUS_ONLINE
                ? 'online'
                : `last seen ${new Date(item.lastVisitDate * 1000).toLocaleString()}`}
            </Text>
          </View>
        )}
      />
      <Pressable style={[common.button, { margin: 16, backgroundColor: '#b00020' }]} onPress={leave}>
        <Text style={common.buttonText}>Leave group</Text>
      </Pressable>
    </View>
  );
}
