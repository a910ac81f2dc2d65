// SPDX-License-Identifier: Apache-2.0
// validate.mjs FILE... - validate CycloneDX JSON documents with the CycloneDX
// project's own library (@cyclonedx/cyclonedx-library, pinned in
// package-lock.json): JsonStrictValidator for the document's specVersion,
// i.e. the library's bundled bom-1.x schema under ajv in strict mode with
// format checks. Prints one line per file; exit 0 all valid, 1 one invalid,
// 2 usage or setup error.
import { readFileSync } from 'node:fs'
import { Spec, Validation } from '@cyclonedx/cyclonedx-library'

const versions = { '1.4': Spec.Version.v1dot4, '1.5': Spec.Version.v1dot5, '1.6': Spec.Version.v1dot6 }
const files = process.argv.slice(2)
if (!files.length) {
  console.error('usage: validate.mjs FILE...')
  process.exit(2)
}
let bad = 0
for (const f of files) {
  const text = readFileSync(f, 'utf8')
  const sv = JSON.parse(text).specVersion
  if (!versions[sv]) {
    console.error(`${f}: specVersion ${JSON.stringify(sv)} is not one the library validates`)
    bad = 1
    continue
  }
  const errors = await new Validation.JsonStrictValidator(versions[sv]).validate(text)
  if (errors === null) {
    console.error(`${f}: valid CycloneDX ${sv} (@cyclonedx/cyclonedx-library JsonStrictValidator)`)
  } else {
    console.error(`${f}: invalid CycloneDX ${sv}: ${JSON.stringify(errors).slice(0, 2000)}`)
    bad = 1
  }
}
process.exit(bad)
