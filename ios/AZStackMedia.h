// The iOS PlatformMedia (cpp/PlatformMedia.h): camera (AZStackCameraCapture) and the voice-processing audio unit
// (AZStackVoiceAudio) as the engine sees them.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

// Installs the devices into MediaBridge; idempotent, any thread.
void AZStackInstallPlatformMedia(void);

#ifdef __cplusplus
}
#endif
