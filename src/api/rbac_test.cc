#include "kefu/api/rbac.h"

#include <gtest/gtest.h>

namespace kefu::api {
namespace {

TEST(RbacTest, NamesRoundTrip) {
  for (Role r : AllRoles()) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
    EXPECT_FALSE(RoleLabel(r).empty());
  }
  for (Permission p : AllPermissions()) {
    EXPECT_EQ(ParsePermission(PermissionName(p)), p);
  }
  EXPECT_EQ(ParseRole("root"), std::nullopt);
  EXPECT_EQ(ParsePermission("everything"), std::nullopt);
}

TEST(RbacTest, MatrixGrantsWhatTheRolesNeed) {
  EXPECT_TRUE(RoleHas(Role::kAgent, Permission::kDesktopUse));
  EXPECT_FALSE(RoleHas(Role::kAgent, Permission::kPiiUnmask));
  EXPECT_FALSE(RoleHas(Role::kAgent, Permission::kAuditRead));
  EXPECT_TRUE(RoleHas(Role::kExpert, Permission::kPiiUnmask));
  EXPECT_TRUE(RoleHas(Role::kSupervisor, Permission::kBroadcastSend));
  EXPECT_FALSE(RoleHas(Role::kSupervisor, Permission::kUsersWrite));
  EXPECT_TRUE(RoleHas(Role::kAdmin, Permission::kAuditRead));
  // The administrator runs the system but does not read customers' personal data.
  EXPECT_FALSE(RoleHas(Role::kAdmin, Permission::kPiiUnmask));
  EXPECT_TRUE(PermissionsOf(Role::kQa).empty());
}

}  // namespace
}  // namespace kefu::api
