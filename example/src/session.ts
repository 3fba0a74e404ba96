import { createContext, useContext } from 'react';
import type { AuthenticatedUser, AZStackCore } from 'azstack-react-native';

/** A logged-in user: the connected core and who the server says we are. */
export interface Session {
  core: AZStackCore;
  me: AuthenticatedUser;
}

export const SessionContext = createContext<Session | null>(null);

/** The current session; only screens shown after login use it. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) {
    throw new Error('useSession() outside a logged-in screen');
  }
  return session;
}
