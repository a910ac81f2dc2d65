/* SPDX-License-Identifier: Apache-2.0 */
/* probe-none.c - the eBPF backend when moat was built without the sensor (-Dsensor=disabled). */
#include <errno.h>

#include "moat/error.h"
#include "sensor-int.h"

static int none_open(struct moat_sensor *sensor, const struct moat_sensor_opts *opts,
		     void **ret_state, struct moat_error *err)
{
	(void)sensor;
	(void)opts;
	(void)ret_state;
	return moat_error_set(err, -EOPNOTSUPP, "sensor: built without eBPF support");
}

const struct sensor_backend sensor_bpf_backend = {
	.name = "ebpf",
	.open = none_open,
};
