// AZStackNetworkMonitor: tells the engines when the device's network path changes (Wi-Fi ↔ cellular, a network lost
// or back), so that each checks its connection at once instead of noticing a dead one after `livenessTimeout` — the
// native side of `AZStackCore.networkChanged()`, for every engine of the process. Started once by the module provider.
#import <Foundation/Foundation.h>
#import <Network/Network.h>

#include "AZStackNetworkMonitor.h"
#include "azstack-ffi/src/lib.rs.h"

void AZStackStartNetworkMonitor(void)
{
  static dispatch_once_t once;
  dispatch_once(&once, ^{
    nw_path_monitor_t monitor = nw_path_monitor_create();
    dispatch_queue_t queue = dispatch_queue_create("azstack.network-monitor", DISPATCH_QUEUE_SERIAL);
    nw_path_monitor_set_queue(monitor, queue);
    // The first update describes the current path; only later ones are changes.
    __block bool first = true;
    nw_path_monitor_set_update_handler(monitor, ^(nw_path_t path) {
      (void)path;
      if (first) {
        first = false;
        return;
      }
      azstack::ffi::network_changed();
    });
    nw_path_monitor_start(monitor);  // kept for the life of the process
  });
}
