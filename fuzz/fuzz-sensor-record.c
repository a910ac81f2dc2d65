/* SPDX-License-Identifier: Apache-2.0 */
/* fuzz-sensor-record.c - ring-buffer records (as the kernel would hand them) through the check and the cgroup parser. */
#include <stdint.h>
#include <string.h>

#include "sensor/container.h"
#include "sensor/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char id[MOAT_CONTAINER_ID_LEN + 1];

	if (size > (1u << 16))
		return 0;
	moat_sensor_check(data, size);
	moat_container_id_from_cgroup((const char *)data, size, id);
	return 0;
}
