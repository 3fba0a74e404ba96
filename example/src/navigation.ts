import { createContext, useContext } from 'react';

/** The app's screens and what each needs. */
export type Route =
  | { name: 'conversations' }
  | { name: 'chat'; chatType: number; chatId: number; title: string }
  | { name: 'createGroup' }
  | { name: 'group'; groupId: number }
  | { name: 'call'; peerId: number; title: string; incoming: boolean };

/** Moves between screens: a stack whose top route is shown. */
export interface Navigation {
  push(route: Route): void;
  /** Replaces the top route. */
  replace(route: Route): void;
  pop(): void;
  /** Back to the conversation list. */
  popToRoot(): void;
  logOut(): void;
}

export const NavigationContext = createContext<Navigation | null>(null);

export function useNavigation(): Navigation {
  const navigation = useContext(NavigationContext);
  if (!navigation) {
    throw new Error('useNavigation() outside the Navigator');
  }
  return navigation;
}
