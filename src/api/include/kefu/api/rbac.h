#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace kefu::api {

// Who a user is in the service center. One concept, one name across C++, SQL, JSON and UI.
enum class Role { kAgent, kExpert, kSupervisor, kQa, kAnalyst, kAdmin };

// What a caller may do. Routes name the permission they need; roles are granted permissions
// in exactly one place (the matrix in rbac.cc).
enum class Permission {
  kDesktopUse,     // desktop.use: the agent desktop (offers, customers on screen)
  kBroadcastSend,  // broadcast.send: 班组公告 to a team or everyone
  kUsersRead,      // users.read
  kUsersWrite,     // users.write: create, disable, reset passwords
  kAuditRead,      // audit.read
  kTokensManage,   // tokens.manage: integration API tokens
  kPiiUnmask,      // pii.unmask: see ID, card and mobile numbers in full (audited)
  kMetricsRead,    // metrics.read
  kCustomersWrite,   // customers.write: edit a customer's profile, create a prospect
  kCustomersOwner,   // customers.owner: change a customer's owner (专属负责人)
  kCustomersImport,  // customers.import: bulk import files
  kIngestWrite,      // ingest.write: the bank's systems feed products and activity (tokens)
  kKbRead,           // kb.read: search and read the knowledge base, codes, favourites
  kKbWrite,          // kb.write: edit, import and export the knowledge base
};

std::string_view RoleName(Role role);           // "agent"
std::string_view RoleLabel(Role role);          // "座席"
std::optional<Role> ParseRole(std::string_view name);
std::span<const Role> AllRoles();

std::string_view PermissionName(Permission p);  // "desktop.use"
std::optional<Permission> ParsePermission(std::string_view name);
std::span<const Permission> AllPermissions();

// The matrix: whether `role` has permission `p`.
bool RoleHas(Role role, Permission p);
std::vector<Permission> PermissionsOf(Role role);

}  // namespace kefu::api
