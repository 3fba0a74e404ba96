import { StyleSheet } from 'react-native';

/** Styles shared by the screens. */
export const common = StyleSheet.create({
  screen: { flex: 1, backgroundColor: '#fff', paddingTop: 48 },
  header: { flexDirection: 'row', alignItems: 'center', paddingHorizontal: 16, paddingBottom: 12, gap: 12 },
  title: { flex: 1, fontSize: 20, fontWeight: '600' },
  link: { color: '#0a66c2', fontSize: 16 },
  input: { borderWidth: 1, borderColor: '#ccc', borderRadius: 8, paddingHorizontal: 12, paddingVertical: 8, fontSize: 16 },
  button: { backgroundColor: '#0a66c2', borderRadius: 8, paddingVertical: 12, alignItems: 'center' },
  buttonText: { color: '#fff', fontSize: 16, fontWeight: '600' },
  row: { paddingHorizontal: 16, paddingVertical: 12, borderBottomWidth: StyleSheet.hairlineWidth, borderColor: '#ddd' },
  muted: { color: '#777' },
  error: { color: '#b00020', paddingHorizontal: 16 },
});
