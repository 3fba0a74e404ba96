import { useState } from 'react';
import { Pressable, Text, TextInput, View } from 'react-native';
import { AZStackCore } from 'azstack-react-native';
import { enableCallNotifications } from '../callNotifications';
import { SERVER } from '../config';
import { showError } from '../errors';
import type { Session } from '../session';
import { common } from '../styles';

/** Who are you? Creates an `AZStackCore` for that user and connects it (seed README §3.2.2, §3.4.1). */
export function LoginScreen({ onLoggedIn }: { onLoggedIn: (session: Session) => void }) {
  const [azStackUserId, setAzStackUserId] = useState('');
  const [fullname, setFullname] = useState('');
  const [connecting, setConnecting] = useState(false);
  const [server, setServer] = useState(SERVER);

  const logIn = () => {
    const core = new AZStackCore({
      requestTimeout: 60000,
      intervalPingTime: 60000,
      autoReconnect: true,
      autoReconnectLimitTries: 0,
      autoReconnectIntervalTime: 5000,
      logLevel: 'NONE',
      masterSocketUri: server.masterSocketUri.trim(),
      authenticatingData: {
        appId: server.appId.trim(),
        publicKey: server.publicKey.trim(),
        azStackUserId: azStackUserId.trim(),
        userCredentials: '',
        fullname: fullname.trim() || azStackUserId.trim(),
        namespace: '',
      },
    });
    setConnecting(true);
    core.connect({}, (error, result) => {
      setConnecting(false);
      if (error || !result) {
        core.destroy();
        showError('Cannot connect', error);
        return;
      }
      onLoggedIn({ core, me: result });
      void enableCallNotifications(core);
    });
  };

  return (
    <View style={[common.screen, { paddingHorizontal: 24, gap: 12 }]}>
      <Text style={common.title}>AZStack Example</Text>
      <TextInput
        style={common.input}
        placeholder="User id (azStackUserId)"
        autoCapitalize="none"
        value={azStackUserId}
        onChangeText={setAzStackUserId}
      />
      <TextInput style={common.input} placeholder="Your name" value={fullname} onChangeText={setFullname} />
      <Text>Server</Text>
      <TextInput
        style={common.input}
        placeholder="Server URL (masterSocketUri)"
        autoCapitalize="none"
        keyboardType="url"
        value={server.masterSocketUri}
        onChangeText={(masterSocketUri) => setServer({ ...server, masterSocketUri })}
      />
      <TextInput
        style={common.input}
        placeholder="Application id (appId)"
        autoCapitalize="none"
        value={server.appId}
        onChangeText={(appId) => setServer({ ...server, appId })}
      />
      <TextInput
        style={common.input}
        placeholder="Public key (base64)"
        autoCapitalize="none"
        value={server.publicKey}
        onChangeText={(publicKey) => setServer({ ...server, publicKey })}
      />
      <Pressable
        style={common.button}
        disabled={connecting || azStackUserId.trim() === ''}
        onPress={logIn}
      >
        <Text style={common.buttonText}>{connecting ? 'Connecting…' : 'Log in'}</Text>
      </Pressable>
    </View>
  );
}
