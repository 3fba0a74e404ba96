package com.azstack.reactnative

import android.content.ContentProvider
import android.content.ContentValues
import android.database.Cursor
import android.net.Uri
import com.azstack.reactnative.media.AZStackMedia

/**
 * Gives the media devices the application context when the process starts (declared in the library manifest, merged
 * into the app's). The engine may open the microphone for a voice call before any view or JavaScript object has a
 * context to offer, so the devices cannot wait for one. Also starts the [NetworkMonitor]. Serves no data.
 */
internal class AZStackInitProvider : ContentProvider() {
  override fun onCreate(): Boolean {
    context?.let {
      AZStackMedia.init(it)
      NetworkMonitor.start(it)
    }
    return true
  }

  override fun query(
      uri: Uri,
      projection: Array<out String>?,
      selection: String?,
      selectionArgs: Array<out String>?,
      sortOrder: String?,
  ): Cursor? = null

  override fun getType(uri: Uri): String? = null

  override fun insert(uri: Uri, values: ContentValues?): Uri? = null

  override fun delete(uri: Uri, selection: String?, selectionArgs: Array<out String>?): Int = 0

  override fun update(
      uri: Uri,
      values: ContentValues?,
      selection: String?,
      selectionArgs: Array<out String>?,
  ): Int = 0
}
