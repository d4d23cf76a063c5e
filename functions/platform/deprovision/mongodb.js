// Drops a deleted instance's MongoDB user from the admin database and its
// two databases. Idempotent: what is already gone is skipped. Run by
// mongodb.sh. The admin password is read from the memory-backed work
// volume and never printed.
const fs = require("fs");
const work = process.env.DEPROVISION_WORK || "/work";

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(name + " is not set");
  // Only a tenant's names: never admin, local, config or another's.
  if (!/^openedx_[A-Za-z0-9_]+$/.test(v)) throw new Error(name + " is not a tenant's name");
  return v;
}

const user = env("MONGODB_USERNAME");
const databases = [env("MONGODB_DATABASE"), env("FORUM_MONGODB_DATABASE")];

const admin = JSON.parse(fs.readFileSync(work + "/mongodb/admin.json", "utf8"));
const adminDB = db.getSiblingDB("admin");
adminDB.auth(admin.username, admin.password);

if (adminDB.getUser(user) === null) {
  print("user " + user + " does not exist");
} else {
  adminDB.dropUser(user);
  print("dropped user " + user);
}
for (const name of databases) {
  // dropDatabase succeeds on a database that does not exist.
  db.getSiblingDB(name).dropDatabase({ w: "majority" });
  print("dropped database " + name);
}
