/* SPDX-License-Identifier: Apache-2.0 */
/* fallback.c - placeholder, replaced below. */
#include <errno.h>

#include "moat/error.h"
#include "sensor-int.h"

static int fb_open(struct moat_sensor *sensor, const struct moat_sensor_opts *opts,
		   void **ret_state, struct moat_error *err)
{
	(void)sensor;
	(void)opts;
	(void)ret_state;
	return moat_error_set(err, -EOPNOTSUPP, "sensor: fallback not built");
}

const struct sensor_backend sensor_fallback_backend = {
	.name = "fallback",
	.open = fb_open,
};
