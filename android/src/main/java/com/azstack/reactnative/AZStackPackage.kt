package com.azstack.reactnative

import com.azstack.reactnative.video.AZStackVideoViewManager
import com.facebook.react.BaseReactPackage
import com.facebook.react.bridge.NativeModule
import com.facebook.react.bridge.ReactApplicationContext
import com.facebook.react.module.model.ReactModuleInfoProvider
import com.facebook.react.uimanager.ViewManager

/**
 * The package autolinking adds to the app's PackageList.
 *
 * NativeAZStack is a pure C++ TurboModule: it has no Java/Kotlin class. Constructing this package loads libazstack.so,
 * whose JNI_OnLoad registers the module in React Native's global C++ module map; the app creates its packages before
 * the React instance starts, so the module is registered before JavaScript can ask for it. This package itself only
 * contributes the AZStackVideoView view manager.
 */
class AZStackPackage : BaseReactPackage() {
  init {
    AZStackNative.load()
  }

  override fun getModule(name: String, reactContext: ReactApplicationContext): NativeModule? = null

  override fun getReactModuleInfoProvider(): ReactModuleInfoProvider = ReactModuleInfoProvider { emptyMap() }

  override fun createViewManagers(
      reactContext: ReactApplicationContext
  ): List<ViewManager<in Nothing, in Nothing>> = listOf(AZStackVideoViewManager())
}
