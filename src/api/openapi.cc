// The OpenAPI 3 document, generated from the route table so the two cannot drift apart.

#include "internal/route.h"

namespace kefu::api {

using internal::Access;
using internal::FieldType;
namespace json = boost::json;

namespace {

json::object Schema(FieldType type) {
  switch (type) {
    case FieldType::kString: return {{"type", "string"}};
    case FieldType::kInt: return {{"type", "integer"}, {"format", "int64"}};
    case FieldType::kBool: return {{"type", "boolean"}};
    case FieldType::kStringArray:
      return {{"type", "array"}, {"items", json::object{{"type", "string"}}}};
    case FieldType::kObjectArray:
      return {{"type", "array"}, {"items", json::object{{"type", "object"}}}};
  }
  return {};
}

json::object ErrorResponse(const char* description) {
  return {{"description", description},
          {"content",
           json::object{{"application/json",
                         json::object{{"schema", json::object{{"$ref", "#/components/schemas/Error"}}}}}}}};
}

}  // namespace

std::string Api::OpenApiJson() const {
  json::object paths;
  for (const internal::Route& r : internal::RouteTable()) {
    json::object op;
    op["summary"] = r.summary;
    op["operationId"] = std::string(r.method) + " " + r.path;
    if (r.access == Access::kPublic) {
      op["security"] = json::array();
    } else {
      op["security"] = json::array{json::object{{"session", json::array()}},
                                   json::object{{"token", json::array()}}};
    }
    op["x-permission"] = r.access == Access::kPublic     ? "public"
                         : r.access == Access::kLoggedIn ? "logged-in"
                                                         : std::string(PermissionName(r.permission));
    json::array parameters;
    std::string_view path = r.path;
    for (size_t open = path.find('{'); open != std::string_view::npos;
         open = path.find('{', open + 1)) {
      size_t close = path.find('}', open);
      parameters.push_back(json::object{{"name", json::string(path.substr(open + 1, close - open - 1))},
                                        {"in", "path"},
                                        {"required", true},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    if (r.paginated) {
      parameters.push_back(json::object{
          {"name", "limit"},
          {"in", "query"},
          {"schema", json::object{{"type", "integer"}, {"minimum", 1}, {"maximum", 500}, {"default", 50}}}});
      parameters.push_back(json::object{{"name", "cursor"},
                                        {"in", "query"},
                                        {"schema", json::object{{"type", "string"}}}});
    }
    if (!parameters.empty()) {
      op["parameters"] = std::move(parameters);
    }
    if (r.upload) {
      op["requestBody"] = json::object{
          {"required", true},
          {"content",
           json::object{{"application/octet-stream",
                         json::object{{"schema", json::object{{"type", "string"},
                                                              {"format", "binary"}}}}}}}};
    } else if (!r.body.empty()) {
      json::object properties;
      json::array required;
      for (const internal::Field& f : r.body) {
        json::object s = Schema(f.type);
        s["description"] = f.description;
        properties[f.name] = std::move(s);
        if (f.required) {
          required.push_back(json::string(f.name));
        }
      }
      json::object schema{{"type", "object"},
                          {"properties", std::move(properties)},
                          {"additionalProperties", false}};
      if (!required.empty()) {
        schema["required"] = std::move(required);
      }
      op["requestBody"] = json::object{
          {"required", true},
          {"content", json::object{{"application/json", json::object{{"schema", std::move(schema)}}}}}};
    }
    json::object responses;
    responses[std::to_string(r.success_status)] = json::object{{"description", "success"}};
    responses["400"] = ErrorResponse("invalid request");
    if (r.access != Access::kPublic) {
      responses["401"] = ErrorResponse("not logged in");
      responses["403"] = ErrorResponse("permission denied or CSRF token missing");
    }
    responses["429"] = ErrorResponse("rate limited");
    op["responses"] = std::move(responses);
    std::string method(r.method);
    for (char& c : method) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    json::value& entry = paths[r.path];
    if (!entry.is_object()) {
      entry = json::object();
    }
    entry.as_object()[method] = std::move(op);
  }
  json::object doc{
      {"openapi", "3.0.3"},
      {"info", json::object{{"title", "kefu API"},
                            {"version", KEFU_VERSION},
                            {"description", "客服中心 API. Errors are always "
                                            "{\"error\":{\"code\",\"message\",\"field\"}}; lists "
                                            "are paged with limit and cursor; browser sessions "
                                            "send X-CSRF-Token on every state-changing request."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{
           {"securitySchemes",
            json::object{{"session", json::object{{"type", "apiKey"},
                                                  {"in", "cookie"},
                                                  {"name", "kefu_session"}}},
                         {"token", json::object{{"type", "http"}, {"scheme", "bearer"}}}}},
           {"schemas",
            json::object{
                {"Error",
                 json::object{
                     {"type", "object"},
                     {"properties",
                      json::object{{"error", json::object{{"type", "object"},
                                                          {"properties",
                                                           json::object{{"code", json::object{{"type", "string"}}},
                                                                        {"message", json::object{{"type", "string"}}},
                                                                        {"field", json::object{{"type", "string"}}}}}}}}}}}}}}}};
  return json::serialize(doc);
}

}  // namespace kefu::api
