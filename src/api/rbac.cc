#include "kefu/api/rbac.h"

#include <array>

namespace kefu::api {
namespace {

constexpr std::array kRoles = {Role::kAgent, Role::kExpert, Role::kSupervisor,
                               Role::kQa,    Role::kAnalyst, Role::kAdmin};

constexpr std::array kPermissions = {
    Permission::kDesktopUse, Permission::kBroadcastSend, Permission::kUsersRead,
    Permission::kUsersWrite, Permission::kAuditRead,     Permission::kTokensManage,
    Permission::kPiiUnmask,  Permission::kMetricsRead,   Permission::kCustomersWrite,
    Permission::kCustomersOwner, Permission::kCustomersImport, Permission::kIngestWrite,
    Permission::kKbRead,     Permission::kKbWrite,
};

// The one role → permission matrix. Columns follow kRoles:
//                                   agent  expert  superv  qa     analyst admin
struct MatrixRow {
  Permission permission;
  std::array<bool, kRoles.size()> granted;
};
constexpr MatrixRow kMatrix[] = {
    {Permission::kDesktopUse,    {true,  true,   true,   false, false,  false}},
    {Permission::kBroadcastSend, {false, false,  true,   false, false,  true}},
    {Permission::kUsersRead,     {false, false,  true,   false, false,  true}},
    {Permission::kUsersWrite,    {false, false,  false,  false, false,  true}},
    {Permission::kAuditRead,     {false, false,  false,  false, false,  true}},
    {Permission::kTokensManage,  {false, false,  false,  false, false,  true}},
    {Permission::kPiiUnmask,     {false, true,   true,   false, false,  false}},
    {Permission::kMetricsRead,   {false, false,  true,   false, true,   true}},
    {Permission::kCustomersWrite,  {true,  true,   true,   false, false,  false}},
    {Permission::kCustomersOwner,  {false, false,  true,   false, false,  true}},
    {Permission::kCustomersImport, {false, false,  true,   false, false,  true}},
    // The bank's systems hold integration tokens with this scope; no person feeds data.
    {Permission::kIngestWrite,     {false, false,  false,  false, false,  false}},
    // The administrator maintains the knowledge base without using the desktop.
    {Permission::kKbRead,          {true,  true,   true,   false, false,  true}},
    {Permission::kKbWrite,         {false, true,   true,   false, false,  true}},
};

size_t RoleIndex(Role role) { return static_cast<size_t>(role); }

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kAgent: return "agent";
    case Role::kExpert: return "expert";
    case Role::kSupervisor: return "supervisor";
    case Role::kQa: return "qa";
    case Role::kAnalyst: return "analyst";
    case Role::kAdmin: return "admin";
  }
  return "agent";
}

std::string_view RoleLabel(Role role) {
  switch (role) {
    case Role::kAgent: return "座席";
    case Role::kExpert: return "专家座席";
    case Role::kSupervisor: return "班组长";
    case Role::kQa: return "质检员";
    case Role::kAnalyst: return "分析师";
    case Role::kAdmin: return "管理员";
  }
  return "座席";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role r : kRoles) {
    if (RoleName(r) == name) {
      return r;
    }
  }
  return std::nullopt;
}

std::span<const Role> AllRoles() { return kRoles; }

std::string_view PermissionName(Permission p) {
  switch (p) {
    case Permission::kDesktopUse: return "desktop.use";
    case Permission::kBroadcastSend: return "broadcast.send";
    case Permission::kUsersRead: return "users.read";
    case Permission::kUsersWrite: return "users.write";
    case Permission::kAuditRead: return "audit.read";
    case Permission::kTokensManage: return "tokens.manage";
    case Permission::kPiiUnmask: return "pii.unmask";
    case Permission::kMetricsRead: return "metrics.read";
    case Permission::kCustomersWrite: return "customers.write";
    case Permission::kCustomersOwner: return "customers.owner";
    case Permission::kCustomersImport: return "customers.import";
    case Permission::kIngestWrite: return "ingest.write";
    case Permission::kKbRead: return "kb.read";
    case Permission::kKbWrite: return "kb.write";
  }
  return "";
}

std::optional<Permission> ParsePermission(std::string_view name) {
  for (Permission p : kPermissions) {
    if (PermissionName(p) == name) {
      return p;
    }
  }
  return std::nullopt;
}

std::span<const Permission> AllPermissions() { return kPermissions; }

bool RoleHas(Role role, Permission p) {
  for (const MatrixRow& row : kMatrix) {
    if (row.permission == p) {
      return row.granted[RoleIndex(role)];
    }
  }
  return false;
}

std::vector<Permission> PermissionsOf(Role role) {
  std::vector<Permission> out;
  for (Permission p : kPermissions) {
    if (RoleHas(role, p)) {
      out.push_back(p);
    }
  }
  return out;
}

}  // namespace kefu::api
