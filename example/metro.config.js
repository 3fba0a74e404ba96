// Metro resolves 'azstack-react-native' to the package in the parent directory (its TypeScript sources, through the
// package's "react-native" field) and watches it, so edits to js/ reload the app.
const path = require('node:path');
const { getDefaultConfig, mergeConfig } = require('@react-native/metro-config');

const packageRoot = path.resolve(__dirname, '..');

module.exports = mergeConfig(getDefaultConfig(__dirname), {
  watchFolders: [packageRoot],
  resolver: {
    // One copy of react and react-native: the app's.
    nodeModulesPaths: [path.resolve(__dirname, 'node_modules')],
    disableHierarchicalLookup: true,
  },
});
