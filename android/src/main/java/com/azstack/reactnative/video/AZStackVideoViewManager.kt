package com.azstack.reactnative.video

import com.facebook.react.module.annotations.ReactModule
import com.facebook.react.uimanager.SimpleViewManager
import com.facebook.react.uimanager.ThemedReactContext
import com.facebook.react.uimanager.ViewManagerDelegate
import com.facebook.react.viewmanagers.AZStackVideoViewManagerDelegate
import com.facebook.react.viewmanagers.AZStackVideoViewManagerInterface

/**
 * The Fabric view manager of `<AZStackVideoView>` (js/specs/AZStackVideoViewNativeComponent.ts). Props arrive through
 * the codegen delegate on the UI thread; the view does the rest.
 */
@ReactModule(name = AZStackVideoViewManager.NAME)
class AZStackVideoViewManager :
    SimpleViewManager<AZStackVideoView>(), AZStackVideoViewManagerInterface<AZStackVideoView> {

  private val delegate: ViewManagerDelegate<AZStackVideoView> = AZStackVideoViewManagerDelegate(this)

  override fun getDelegate(): ViewManagerDelegate<AZStackVideoView> = delegate

  override fun getName(): String = NAME

  override fun createViewInstance(context: ThemedReactContext): AZStackVideoView = AZStackVideoView(context)

  override fun setStreamURL(view: AZStackVideoView, value: String?) {
    view.setStreamURL(value.orEmpty())
  }

  override fun setObjectFit(view: AZStackVideoView, value: String?) {
    view.setObjectFit(if (value == "contain") AZStackVideoView.ObjectFit.CONTAIN else AZStackVideoView.ObjectFit.COVER)
  }

  override fun setMirror(view: AZStackVideoView, value: Boolean) {
    view.setMirror(value)
  }

  override fun onDropViewInstance(view: AZStackVideoView) {
    super.onDropViewInstance(view)
    view.setStreamURL("")  // normally detached already (onDetachedFromWindow); a dropped view holds nothing
  }

  companion object {
    const val NAME = "AZStackVideoView"
  }
}
