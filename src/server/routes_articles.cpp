// /v1/articles: the store's articles, their revisions, undo and redo, export and delete.
#include "api.h"
#include "lingbi/render/markdown_zip.h"
#include "lingbi/render/render.h"

namespace lingbi::server {

using nlohmann::json;

namespace {

json summary_json(const ArticleSummary& s) {
  return {{"id", s.id},
          {"title", s.title},
          {"revision", s.revision},
          {"updated", s.updated},
          {"partial", s.partial}};
}

// The current revision, or the partial article of a compose that has not written one yet.
std::pair<Article, int> current_or_partial(const ArticleStore& store, const std::string& id) {
  if (!store.exists(id)) throw NotFound("no article " + id);
  if (auto partial = store.partial(id); partial && store.revisions(id).empty()) return {*partial, 0};
  return store.current(id);
}

void send_article(httplib::Response& res, const Context& c, const std::string& id, const Article& article,
                  int revision) {
  res.set_header("ETag", "\"" + std::to_string(revision) + "\"");
  send_json(res, 200,
            {{"id", id},
             {"revision", revision},
             {"partial", !article.progress.is_null()},
             {"article", for_client(article_to_json(article), c.uploads)}});
}

}  // namespace

void add_article_routes(httplib::Server& http, Context& c) {
  http.Get("/v1/articles", [&c](const httplib::Request&, httplib::Response& res) {
    json data = json::array();
    for (const ArticleSummary& s : c.store.list()) data.push_back(summary_json(s));
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  });
  http.Get("/v1/articles/:id", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    auto [article, revision] = current_or_partial(c.store, id);
    send_article(res, c, id, article, revision);
  });
  http.Get("/v1/articles/:id/revisions", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    if (!c.store.exists(id)) throw NotFound("no article " + id);
    json data = json::array();
    for (const RevisionInfo& r : c.store.revisions(id))
      data.push_back(
          {{"revision", r.revision}, {"parent", r.parent}, {"created", r.created}, {"note", r.note}});
    send_json(res, 200, {{"object", "list"}, {"data", data}});
  });
  http.Get("/v1/articles/:id/revisions/:revision", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    int revision = 0;
    try {
      revision = std::stoi(req.path_params.at("revision"));
    } catch (const std::exception&) {
      throw NotFound("no such revision");
    }
    send_article(res, c, id, c.store.revision(id, revision), revision);
  });
  for (const char* op : {"undo", "redo"}) {
    const std::string name = op;
    http.Post("/v1/articles/:id/" + name, [&c, name](const httplib::Request& req, httplib::Response& res) {
      const std::string id = req.path_params.at("id");
      if (!c.store.exists(id)) throw NotFound("no article " + id);
      try {
        const int revision = name == "undo" ? c.store.undo(id) : c.store.redo(id);
        send_json(res, 200, {{"id", id}, {"revision", revision}});
      } catch (const NotFound&) {
        throw;
      } catch (const Error& e) {
        send_error(res, 409, "nothing_to_" + name, e.what());
      }
    });
  }
  http.Get("/v1/articles/:id/export", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    const std::string format = req.has_param("format") ? req.get_param_value("format") : "html";
    auto [article, revision] = current_or_partial(c.store, id);
    const std::string name = "article-" + id + "-r" + std::to_string(revision);
    if (format == "json") {
      res.set_content(article_to_json(article).dump(2), "application/json; charset=utf-8");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".json\"");
    } else if (format == "html") {
      RenderReport report;
      res.set_content(render_html(article, RenderOptions{}, report), "text/html; charset=utf-8");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".html\"");
    } else if (format == "md") {
      // Markdown alone: its pictures linked at this server (as the client reached it).
      RenderOptions options;
      const std::string base = "http://" + req.get_header_value("Host");
      options.picture_url = [&](const Choice& choice) {
        const json url = picture_url(choice.image_id, choice.path, c.uploads);
        return url.is_string() ? base + url.get<std::string>() : std::string();
      };
      RenderReport report;
      res.set_content(render_markdown(article, name + ".md", options, report), "text/markdown; charset=utf-8");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".md\"");
    } else if (format == "wechat") {
      // The fragment to paste into WeChat's editor: styles inline, pictures embedded.
      RenderReport report;
      res.set_content(render_wechat(article, name + ".html", RenderOptions{}, report), "text/html; charset=utf-8");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + "-wechat.html\"");
    } else if (format == "docx") {
      RenderReport report;
      res.set_content(render_docx(article, RenderOptions{}, report),
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".docx\"");
    } else if (format == "zip") {
      RenderReport report;
      res.set_content(render_markdown_zip(article, name, report), "application/zip");
      res.set_header("Content-Disposition", "attachment; filename=\"" + name + ".zip\"");
    } else {
      throw BadRequest("format: expected html, md, zip, json, wechat or docx");
    }
  });
  http.Delete("/v1/articles/:id", [&c](const httplib::Request& req, httplib::Response& res) {
    const std::string id = req.path_params.at("id");
    if (!c.store.remove(id)) throw NotFound("no article " + id);
    res.status = 204;
  });
}

}  // namespace lingbi::server
