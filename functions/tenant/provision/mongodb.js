// Creates the instance's MongoDB user in the admin database, with readWrite
// on its two databases, or updates it to the stored password and those
// roles: the stored configuration is authoritative. Run by mongodb.sh.
// Passwords are read from files of the memory-backed work volume and never
// printed.
const fs = require("fs");
const work = process.env.PROVISION_WORK || "/work";

function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(name + " is not set");
  return v;
}

const admin = JSON.parse(fs.readFileSync(work + "/mongodb/admin.json", "utf8"));
const pwd = fs.readFileSync(work + "/mongodb/password", "utf8");
if (!/^[A-Za-z0-9]{32,}$/.test(pwd)) throw new Error("the instance's MongoDB password is not alphanumeric");

const adminDB = db.getSiblingDB("admin");
adminDB.auth(admin.username, admin.password);

const user = env("MONGODB_USERNAME");
const roles = [
  { role: "readWrite", db: env("MONGODB_DATABASE") },
  // tutor-forum's database, which the forum's init job indexes.
  { role: "readWrite", db: env("FORUM_MONGODB_DATABASE") },
];
if (adminDB.getUser(user) === null) {
  adminDB.createUser({ user: user, pwd: pwd, roles: roles });
  print("created user " + user);
} else {
  adminDB.updateUser(user, { pwd: pwd, roles: roles });
  print("updated user " + user);
}
