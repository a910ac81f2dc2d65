// A Node.js service that answers each request by running a shell command
// through child_process.exec: libuv gives the shell socketpairs as stdio.
// Usage: node svc.js PORT
const http = require('http');
const { exec } = require('child_process');

const cmds = ['ls / | wc -l', 'date +%s', 'uname -r', 'echo $((6 * 7))', 'id -u; pwd'];
let n = 0;

http.createServer((req, res) => {
	exec(cmds[n++ % cmds.length], (err, out) => {
		res.writeHead(err ? 500 : 200, { 'Content-Type': 'text/plain' });
		res.end(err ? String(err) : out);
	});
}).listen(+process.argv[2], '127.0.0.1');
