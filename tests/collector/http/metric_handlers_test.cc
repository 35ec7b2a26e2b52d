// The Prometheus-compatible read API (metric_handlers.cc) on a real SQLite store: parameters
// (GET and form-encoded POST, times as seconds or RFC 3339, steps as seconds or durations),
// the JSON shapes of every result type and Prometheus's error bodies.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "collector/http/handlers.h"
#include "tests/support/temp_dir.h"

using namespace hivewatch;
using nlohmann::json;

namespace {

constexpr int64_t kT0 = 1700000000000;  // 2023-11-14T22:13:20Z

class Api {
 public:
  Api() {
    StorageOptions options;
    options.data_dir = dir_.path();
    options.synchronous_full = false;
    auto storage = OpenStorage(options);
    REQUIRE(storage.ok());
    storage_ = std::move(*storage);
    ctx_.storage = storage_.get();
    Batch batch;
    batch.agent = {"web-1", "agent-1", "1.0"};
    batch.batch_id = "b1";
    MetricSeries requests;
    requests.name = "http_requests_total";
    requests.type = MetricType::kCounter;
    requests.labels = {{"code", "200"}};
    for (int i = 0; i <= 12; ++i) requests.samples.push_back({kT0 + i * 10000, 10.0 * i});
    MetricSeries errors = requests;
    errors.labels = {{"code", "500"}};
    for (auto& s : errors.samples) s.value /= 10;
    MetricSeries temp;
    temp.name = "temperature";
    temp.samples = {{kT0, 21.5}};
    batch.metrics = {requests, errors, temp};
    REQUIRE(storage_->Append(batch, kT0).ok());
  }

  HttpResponse Get(const std::string& path, std::multimap<std::string, std::string> query) {
    HttpRequest r;
    r.method = "GET";
    r.path = path;
    r.query = std::move(query);
    return Dispatch(r);
  }

  HttpResponse Post(const std::string& path, const std::string& body,
                    const std::string& type = "application/x-www-form-urlencoded") {
    HttpRequest r;
    r.method = "POST";
    r.path = path;
    r.body = body;
    r.headers["content-type"] = type;
    return Dispatch(r);
  }

 private:
  HttpResponse Dispatch(const HttpRequest& r) {
    Router router(nullptr);
    AddRoutes(&router, &ctx_);
    return router.Dispatch(r);
  }

  testing::TempDir dir_;
  std::unique_ptr<Storage> storage_;
  HandlerContext ctx_;
};

json Body(const HttpResponse& r) { return json::parse(r.body); }

}  // namespace

TEST_CASE("query_range answers a matrix with [seconds, \"value\"] points", "[prom_api]") {
  Api api;
  const HttpResponse r = api.Get("/api/v1/query_range", {{"query", "rate(http_requests_total[1m])"},
                                                         {"start", "1700000060"},
                                                         {"end", "1700000120"},
                                                         {"step", "30s"}});
  REQUIRE(r.status == 200);
  CHECK(
      r.body ==
      R"({"status":"success","data":{"resultType":"matrix","result":[)"
      R"({"metric":{"code":"200","host":"web-1"},"values":[[1700000060,"1"],[1700000090,"1"],[1700000120,"1"]]},)"
      R"({"metric":{"code":"500","host":"web-1"},"values":[[1700000060,"0.1"],[1700000090,"0.1"],[1700000120,"0.1"]]}]}})");
}

TEST_CASE("query takes form-encoded POST bodies and RFC 3339 times", "[prom_api]") {
  Api api;
  const HttpResponse r =
      api.Post("/api/v1/query",
               "query=sum%20by%20(host)%20(http_requests_total)&time=2023-11-14T22:15:20.5Z");
  REQUIRE(r.status == 200);
  CHECK(r.body == R"({"status":"success","data":{"resultType":"vector","result":[)"
                  R"({"metric":{"host":"web-1"},"value":[1700000120.5,"132"]}]}})");
  const json scalar = Body(api.Get("/api/v1/query", {{"query", "1 / 3"}, {"time", "1700000000"}}));
  CHECK(scalar["data"]["resultType"] == "scalar");
  CHECK(scalar["data"]["result"] == json::parse(R"([1700000000, "0.3333333333333333"])"));
  const json str = Body(api.Get("/api/v1/query", {{"query", "\"hi\""}, {"time", "1700000000.25"}}));
  CHECK(str["data"] == json::parse(R"({"resultType":"string","result":[1700000000.25,"hi"]})"));
  const json matrix =
      Body(api.Get("/api/v1/query", {{"query", "temperature[1m]"}, {"time", "1700000030"}}));
  CHECK(matrix["data"]["resultType"] == "matrix");
  CHECK(matrix["data"]["result"][0]["values"] == json::parse(R"([[1700000000, "21.5"]])"));
}

TEST_CASE("errors come back in Prometheus's shape", "[prom_api]") {
  Api api;
  auto error = [&](std::multimap<std::string, std::string> q, int status = 400,
                   const std::string& path = "/api/v1/query_range") {
    const HttpResponse r = api.Get(path, std::move(q));
    CHECK(r.status == status);
    const json body = Body(r);
    CHECK(body["status"] == "error");
    CHECK(body["errorType"] == (status == 400 ? "bad_data" : "execution"));
    return body["error"].get<std::string>();
  };
  const std::multimap<std::string, std::string> ok = {
      {"start", "1700000000"}, {"end", "1700000100"}, {"step", "10"}};
  auto with = [&](std::string query) {
    auto q = ok;
    q.emplace("query", std::move(query));
    return q;
  };
  CHECK(error(with("sum(rate(x[5m])")) ==
        "invalid parameter \"query\": 1:16: parse error: unexpected end of input in "
        "aggregation, expected \")\"");
  CHECK(error(with("holt_winters(x[5m], 0.1, 0.1)")) ==
        "invalid parameter \"query\": 1:1: parse error: function \"holt_winters\" is not "
        "supported by hivewatch");
  CHECK(error(with("x[5m]")) ==
        "invalid expression type \"range vector\" for range query, must be Scalar or instant "
        "Vector");
  CHECK(error({{"query", "x"}, {"start", "yesterday"}, {"end", "1"}, {"step", "1"}}) ==
        "invalid parameter \"start\": cannot parse \"yesterday\" to a valid timestamp");
  CHECK(error({{"query", "x"}, {"start", "1"}, {"end", "2"}, {"step", "fast"}}) ==
        "invalid parameter \"step\": cannot parse \"fast\" to a valid duration");
  CHECK(error({{"query", "x"}, {"start", "1"}, {"end", "2"}, {"step", "0"}})
            .find("zero or negative query resolution step") != std::string::npos);
  CHECK(error({{"query", "x"}, {"start", "0"}, {"end", "11001"}, {"step", "1"}}) ==
        "exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query "
        "resolution (?step=XX)");
  CHECK(error({{"query", "x"}, {"end", "2"}, {"step", "1"}}) ==
        "invalid parameter \"start\": missing");
  CHECK(error({{"query", "x"}, {"start", "2"}, {"end", "1"}, {"step", "1"}}) ==
        "invalid parameter \"end\": end timestamp must not be before start time");
  CHECK(error(with("http_requests_total / on(host) http_requests_total"), 422)
            .find("many-to-many matching not allowed") != std::string::npos);
  CHECK(error({}, 400, "/api/v1/series") == "no match[] parameter provided");
  CHECK(api.Post("/api/v1/query", "{\"query\":\"x\"}", "application/json").status == 400);
}

TEST_CASE("series, labels and label values list what is stored", "[prom_api]") {
  Api api;
  CHECK(Body(api.Get("/api/v1/series", {{"match[]", "http_requests_total{code=\"500\"}"},
                                        {"match[]", "temperature"}})) ==
        json::parse(R"({"status":"success","data":[
          {"__name__":"http_requests_total","code":"500","host":"web-1"},
          {"__name__":"temperature","host":"web-1"}]})"));
  CHECK(Body(api.Post("/api/v1/series", "match%5B%5D=%7Bcode%3D~%222..%22%7D"))["data"].size() ==
        1);
  // A window without samples finds nothing.
  CHECK(
      Body(api.Get("/api/v1/series", {{"match[]", "temperature"}, {"start", "1700000001"}}))["data"]
          .empty());
  CHECK(Body(api.Get("/api/v1/labels", {}))["data"] ==
        json::parse(R"(["__name__","code","host"])"));
  CHECK(Body(api.Get("/api/v1/labels", {{"match[]", "temperature"}}))["data"] ==
        json::parse(R"(["__name__","host"])"));
  CHECK(Body(api.Get("/api/v1/label/__name__/values", {}))["data"] ==
        json::parse(R"(["http_requests_total","temperature"])"));
  CHECK(Body(api.Get("/api/v1/label/code/values", {}))["data"] == json::parse(R"(["200","500"])"));
  CHECK(Body(api.Get("/api/v1/label/nope/values", {}))["data"] == json::array());
  const HttpResponse bad = api.Get("/api/v1/label/a-b/values", {});
  CHECK(bad.status == 400);
  CHECK(Body(bad)["error"] == "invalid label name: \"a-b\"");
}
