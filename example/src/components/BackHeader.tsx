import type { ReactNode } from 'react';
import { Pressable, Text, View } from 'react-native';
import { useNavigation } from '../navigation';
import { common } from '../styles';

/** A screen's header: back to the previous screen, the title, and the screen's own actions on the right. */
export function BackHeader({ title, children }: { title: string; children?: ReactNode }) {
  const navigation = useNavigation();
  return (
    <View style={common.header}>
      <Pressable onPress={navigation.pop}>
        <Text style={common.link}>‹ Back</Text>
      </Pressable>
      <Text style={common.title} numberOfLines={1}>
        {title}
      </Text>
      {children}
    </View>
  );
}
