// SPDX-License-Identifier: Apache-2.0
// Copy-ready CI snippets: build the image, scan it with moat, upload the
// result to this console (`moat scan --console URL --token T`), fail the
// job on policy. The token lives in the CI system's secret store as
// MOAT_TOKEN (a token with role ci, made under API tokens).
import { CopyButton } from '../ui.jsx';

export function snippets(url) {
  return [
    ['Jenkins', 'Jenkinsfile', `pipeline {
  agent any
  environment {
    MOAT_TOKEN = credentials('moat-ci-token')   // a Secret text credential
  }
  stages {
    stage('image scan') {
      steps {
        sh 'docker build -t app:$BUILD_NUMBER . && docker save app:$BUILD_NUMBER -o app.tar'
        // uploads the result to the console; exit 1 fails the build
        sh 'moat scan --console ${url} --token "$MOAT_TOKEN" --fail-on critical,high --format junit -o moat-junit.xml docker-archive:app.tar'
      }
      post { always { junit 'moat-junit.xml' } }
    }
  }
}`],
    ['GitLab CI', '.gitlab-ci.yml', `image-scan:
  stage: test
  script:
    - docker build -t "$CI_PROJECT_NAME:$CI_COMMIT_SHA" .
    - docker save "$CI_PROJECT_NAME:$CI_COMMIT_SHA" -o app.tar
    # MOAT_TOKEN: a masked CI/CD variable holding a ci token
    - moat scan --console ${url} --token "$MOAT_TOKEN" --fail-on critical,high --format junit -o moat-junit.xml docker-archive:app.tar
  artifacts:
    when: always
    reports:
      junit: moat-junit.xml`],
    ['GitHub Actions', '.github/workflows/image-scan.yml', `name: image-scan
on: [push, pull_request]
jobs:
  scan:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build -t app:\${{ github.sha }} . && docker save app:\${{ github.sha }} -o app.tar
      # MOAT_TOKEN: a repository secret holding a ci token
      - run: moat scan --console ${url} --token "$MOAT_TOKEN" --fail-on critical,high --format sarif -o moat.sarif docker-archive:app.tar
        env:
          MOAT_TOKEN: \${{ secrets.MOAT_TOKEN }}
      - if: always()
        uses: github/codeql-action/upload-sarif@v3
        with: { sarif_file: moat.sarif }`],
  ];
}

export function CiSnippets({ admin }) {
  const url = location.origin;
  return (
    <>
      <p>Each snippet builds the image, scans it, uploads the result to this console
        (<code>{url}</code>) and fails the job on critical or high findings. Store a token with
        role <strong>ci</strong> as the secret <code>MOAT_TOKEN</code>
        {admin ? <> (create one under <a href="#/manage/tokens">API tokens</a>)</> : ' (an admin creates it)'}.</p>
      {snippets(url).map(([name, file, text]) => (
        <section class="snippet" aria-label={`${name} snippet`}>
          <h2>{name} <span class="muted">{file}</span> <CopyButton text={text} label={`Copy the ${name} snippet`} /></h2>
          <pre><code>{text}</code></pre>
        </section>
      ))}
    </>
  );
}
