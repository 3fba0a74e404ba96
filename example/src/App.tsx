import { useCallback, useMemo, useState } from 'react';
import { LoginScreen } from './screens/LoginScreen';
import { CallScreen } from './screens/CallScreen';
import { ChatScreen } from './screens/ChatScreen';
import { ConversationListScreen } from './screens/ConversationListScreen';
import { CreateGroupScreen } from './screens/CreateGroupScreen';
import { GroupScreen } from './screens/GroupScreen';
import { NavigationContext, type Navigation, type Route } from './navigation';
import { SessionContext, useSession, type Session } from './session';
import { useDelegate } from './useDelegate';

/** The app: the login screen, then the screens of the logged-in user. */
export function App() {
  const [session, setSession] = useState<Session | null>(null);
  const logOut = useCallback(() => setSession(null), []);
  if (!session) {
    return <LoginScreen onLoggedIn={setSession} />;
  }
  return (
    <SessionContext.Provider value={session}>
      <Navigator onLogOut={logOut} />
    </SessionContext.Provider>
  );
}

/** A stack of screens, the top one shown; an incoming call pushes the call screen from anywhere. */
function Navigator({ onLogOut }: { onLogOut: () => void }) {
  const { core } = useSession();
  const [stack, setStack] = useState<Route[]>([{ name: 'conversations' }]);

  const navigation = useMemo<Navigation>(
    () => ({
      push: (route) => setStack((routes) => [...routes, route]),
      replace: (route) => setStack((routes) => [...routes.slice(0, -1), route]),
      pop: () => setStack((routes) => (routes.length > 1 ? routes.slice(0, -1) : routes)),
      popToRoot: () => setStack((routes) => routes.slice(0, 1)),
      logOut: onLogOut,
    }),
    [onLogOut],
  );

  useDelegate(core, 'onFreeCallStart', (error, call) => {
    if (error || !call) {
      return;
    }
    const ring = (title: string) => navigation.push({ name: 'call', peerId: call.fromUserId, title, incoming: true });
    core
      .getUsersInformation({ userIds: [call.fromUserId] })
      .then((users) => ring(users.list[0]?.fullname ?? `User ${call.fromUserId}`))
      .catch(() => ring(`User ${call.fromUserId}`));
  });

  const route = stack[stack.length - 1]!;
  return <NavigationContext.Provider value={navigation}>{screenFor(route)}</NavigationContext.Provider>;
}

function screenFor(route: Route) {
  switch (route.name) {
    case 'conversations':
      return <ConversationListScreen />;
    case 'chat':
      return <ChatScreen key={`${route.chatType}:${route.chatId}`} chatType={route.chatType} chatId={route.chatId} title={route.title} />;
    case 'createGroup':
      return <CreateGroupScreen />;
    case 'group':
      return <GroupScreen groupId={route.groupId} />;
    case 'call':
      return <CallScreen peerId={route.peerId} title={route.title} incoming={route.incoming} />;
  }
}
