// No views on the Linux host: a native component is its name (what requireNativeComponent returns in React Native).
export default function codegenNativeComponent(componentName) {
  return componentName;
}
