// SPDX-License-Identifier: Apache-2.0
// Kinds of findings as the scans name them (the views across images, by
// CVE and compliance, come from the API: GET /vulnerabilities, /compliance).
export const isVuln = (f) => f.kind === 'vuln' || f.kind === 'vulnerability';
export const isCompliance = (f) => f.kind === 'misconfig' || f.kind === 'compliance';
