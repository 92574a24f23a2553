/**
 * keepalived's track script (`check.sh` in the run's folder): GET the local app's /health over
 * bash's /dev/tcp (a few ms to start, even on a loaded machine); exit 0 only on HTTP 200.
 * keepalived's own `timeout` ends a hung connect. It stays a bash script: keepalived runs it every
 * interval, and node would take far longer to start than the check itself.
 * argv: port timeoutSeconds
 */
export const CHECK_SCRIPT = `#!/bin/bash
# faildrill track script: GET /health of the app on this host; 0 only on HTTP 200.
exec 2>/dev/null
exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
printf 'GET /health HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3
IFS= read -r -t "$2" line <&3 || exit 1
case "$line" in *" 200 "*) exit 0 ;; esac
exit 1
`;
