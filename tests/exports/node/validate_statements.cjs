// Checks xAPI statements (a JSON array on stdin) with Learning Locker's validator, the
// rules its LRS applies; prints one array of warnings per statement.
const validate = require("@learninglocker/xapi-validation").default;

let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const statements = JSON.parse(input);
  const warnings = statements.map((statement) =>
    validate(statement).map((w) => ({ path: (w.path || []).join("."), message: String(w.message || w.constructor.name) }))
  );
  process.stdout.write(JSON.stringify(warnings));
});
