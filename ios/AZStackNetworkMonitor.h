// Starts watching the device's network path (NWPathMonitor) and reports each change to every engine; idempotent.
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

void AZStackStartNetworkMonitor(void);

#ifdef __cplusplus
}
#endif
