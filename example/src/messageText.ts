import { chatConstants, type Message } from 'azstack-react-native';

const {
  MESSAGE_TYPE_TEXT,
  MESSAGE_TYPE_STICKER,
  MESSAGE_TYPE_FILE,
  MESSAGE_TYPE_LOCATION,
  MESSAGE_TYPE_GROUP_CREATED,
  MESSAGE_TYPE_GROUP_INVITED,
  MESSAGE_TYPE_GROUP_LEFT,
  MESSAGE_TYPE_GROUP_RENAMED,
  MESSAGE_TYPE_GROUP_ADMIN_CHANGED,
  MESSAGE_TYPE_GROUP_PUBLIC_JOINED,
} = chatConstants;

/** A one-line description of a message, for previews and group system messages. */
export function messageText(message: Message, nameOf: (userId: number) => string): string {
  switch (message.type) {
    case MESSAGE_TYPE_TEXT:
      return message.text ?? '';
    case MESSAGE_TYPE_STICKER:
      return '[Sticker]';
    case MESSAGE_TYPE_FILE:
      return `[File] ${message.file?.name ?? ''}`.trim();
    case MESSAGE_TYPE_LOCATION:
      return `[Location] ${message.location?.address ?? ''}`.trim();
    case MESSAGE_TYPE_GROUP_CREATED:
      return `${nameOf(message.senderId)} created the group ${message.createdGroup?.name ?? ''}`.trim();
    case MESSAGE_TYPE_GROUP_INVITED:
      return `${nameOf(message.senderId)} added ${(message.invited?.inviteIds ?? []).map(nameOf).join(', ')}`;
    case MESSAGE_TYPE_GROUP_LEFT:
      return message.left?.leaveId === message.senderId
        ? `${nameOf(message.senderId)} left`
        : `${nameOf(message.senderId)} removed ${nameOf(message.left?.leaveId ?? 0)}`;
    case MESSAGE_TYPE_GROUP_RENAMED:
      return `${nameOf(message.senderId)} renamed the group to ${message.renamed?.newName ?? ''}`;
    case MESSAGE_TYPE_GROUP_ADMIN_CHANGED:
      return `${nameOf(message.adminChanged?.newAdminId ?? 0)} is now the admin`;
    case MESSAGE_TYPE_GROUP_PUBLIC_JOINED:
      return `${nameOf(message.senderId)} joined`;
    default:
      return '';
  }
}
