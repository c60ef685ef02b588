// A Word document: the WordprocessingML parts are written here, libzip packs them. Word, WPS and
// LibreOffice open it; Zhihu and most editors import it with its pictures.
#include <algorithm>
#include <string>
#include <vector>

#include "blocks.h"
#include "escape.h"
#include "lingbi/render/picture.h"
#include "lingbi/render/render.h"
#include "paragraph_lines.h"
#include "zip_builder.h"

namespace lingbi {

namespace {

using render::escape_markup;

constexpr const char* kXmlHead = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr const char* kRel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
constexpr int kPictureWidth = 1600;               // pixels kept in the file; plenty for print
constexpr long kEmuPerPixel = 9525;               // at 96 pixels an inch
constexpr long kTextWidthEmu = 9026L * 635;       // A4 less 2 x 1 inch margins (twips to EMU)

struct Picture {
  std::string rel_id;
  Jpeg jpeg;
};

struct Link {
  std::string rel_id;
  std::string url;
};

class Document {
 public:
  Document(const Article& article, const RenderOptions& options, RenderReport& report)
      : zh_(article.lang == "zh"), options_(options), report_(report) {}

  std::string render(const Article& article) {
    body_ += paragraph_xml("Heading1", run_xml(article.title));
    for (const render::Block& block : render::article_blocks(article)) {
      if (block.kind == render::Block::Kind::heading)
        body_ += paragraph_xml("Heading2", run_xml(*block.text));
      else if (block.kind == render::Block::Kind::paragraph)
        paragraph(*block.text);
      else
        picture(*block.slot);
    }
    render::ZipBuilder zip;
    zip.add_bytes("[Content_Types].xml", content_types());
    zip.add_bytes("_rels/.rels", package_rels());
    zip.add_bytes("docProps/core.xml", core(article));
    zip.add_bytes("docProps/app.xml", std::string(kXmlHead) +
                  "<Properties xmlns=\"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties\">"
                  "<Application>lingbi</Application></Properties>");
    zip.add_bytes("word/document.xml", document());
    zip.add_bytes("word/styles.xml", styles());
    zip.add_bytes("word/_rels/document.xml.rels", document_rels());
    for (size_t i = 0; i < pictures_.size(); ++i)
      zip.add_bytes("word/media/image" + std::to_string(i + 1) + ".jpeg", pictures_[i].jpeg.bytes);
    return zip.finish();
  }

 private:
  // Chinese runs carry the East Asian hint, so quotes and dashes take the Chinese font too.
  std::string run_xml(const std::string& text, const std::string& char_style = "") const {
    std::string props;
    if (!char_style.empty()) props += "<w:rStyle w:val=\"" + char_style + "\"/>";
    if (zh_) props += "<w:rFonts w:hint=\"eastAsia\"/><w:lang w:eastAsia=\"zh-CN\"/>";
    return "<w:r>" + (props.empty() ? "" : "<w:rPr>" + props + "</w:rPr>") + "<w:t xml:space=\"preserve\">" +
           escape_markup(text) + "</w:t></w:r>";
  }

  static std::string paragraph_xml(const std::string& style, const std::string& content,
                                   const std::string& extra = "") {
    return "<w:p><w:pPr>" + (style.empty() ? "" : "<w:pStyle w:val=\"" + style + "\"/>") + extra + "</w:pPr>" +
           content + "</w:p>";
  }

  void paragraph(const std::string& text) {
    for (const render::Line& line : render::paragraph_lines(text)) {
      std::string content;
      if (!line.marker.empty()) content += run_xml(line.marker + "\t");
      for (const render::Span& span : line.spans) {
        if (span.url.empty()) {
          content += run_xml(span.text);
          continue;
        }
        links_.push_back({"rIdLink" + std::to_string(links_.size() + 1), span.url});
        content += "<w:hyperlink r:id=\"" + links_.back().rel_id + "\">" + run_xml(span.text, "Hyperlink") +
                   "</w:hyperlink>";
      }
      // List items hang: the marker sits in the indent, the item's lines start under its text.
      body_ += paragraph_xml("", content,
                             line.marker.empty() ? "" : "<w:ind w:left=\"425\" w:hanging=\"425\"/>");
    }
  }

  void picture(const Slot& slot) {
    std::string error;
    std::optional<Jpeg> jpeg =
        fitted_jpeg(slot.chosen->path, std::max(options_.max_image_width, kPictureWidth), 90, 0, error);
    if (jpeg) {
      const int n = static_cast<int>(pictures_.size()) + 1;
      pictures_.push_back({"rIdImage" + std::to_string(n), std::move(*jpeg)});
      body_ += paragraph_xml("", drawing_xml(pictures_.back(), n, slot.caption),
                             "<w:keepNext/><w:spacing w:before=\"240\" w:after=\"60\"/><w:jc w:val=\"center\"/>");
    } else {
      report_.warnings.push_back(error + "; left out, its caption kept");
    }
    if (!slot.caption.empty()) body_ += paragraph_xml("Caption", run_xml(slot.caption));
  }

  // An inline picture at its pixel size (96 dpi), shrunk to the text width when wider.
  static std::string drawing_xml(const Picture& picture, int n, const std::string& caption) {
    long cx = picture.jpeg.width * kEmuPerPixel, cy = picture.jpeg.height * kEmuPerPixel;
    if (cx > kTextWidthEmu) {
      cy = static_cast<long>(static_cast<double>(cy) * kTextWidthEmu / cx);
      cx = kTextWidthEmu;
    }
    const std::string extent = "cx=\"" + std::to_string(cx) + "\" cy=\"" + std::to_string(cy) + "\"";
    const std::string id = std::to_string(n);
    return "<w:r><w:drawing><wp:inline distT=\"0\" distB=\"0\" distL=\"0\" distR=\"0\"><wp:extent " + extent +
           "/><wp:docPr id=\"" + id + "\" name=\"Picture " + id + "\" descr=\"" + escape_markup(caption) +
           "\"/><wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect=\"1\"/></wp:cNvGraphicFramePr>"
           "<a:graphic><a:graphicData uri=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><pic:pic>"
           "<pic:nvPicPr><pic:cNvPr id=\"" + id + "\" name=\"image" + id + ".jpeg\"/><pic:cNvPicPr/></pic:nvPicPr>"
           "<pic:blipFill><a:blip r:embed=\"" + picture.rel_id + "\"/><a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
           "<pic:spPr><a:xfrm><a:off x=\"0\" y=\"0\"/><a:ext " + extent + "/></a:xfrm>"
           "<a:prstGeom prst=\"rect\"><a:avLst/></a:prstGeom></pic:spPr></pic:pic></a:graphicData></a:graphic>"
           "</wp:inline></w:drawing></w:r>";
  }

  std::string document() const {
    return std::string(kXmlHead) +
           "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\" xmlns:r=\"" + kRel +
           "\" xmlns:wp=\"http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing\""
           " xmlns:a=\"http://schemas.openxmlformats.org/drawingml/2006/main\""
           " xmlns:pic=\"http://schemas.openxmlformats.org/drawingml/2006/picture\"><w:body>" + body_ +
           "<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\""
           " w:left=\"1440\" w:header=\"720\" w:footer=\"720\" w:gutter=\"0\"/></w:sectPr></w:body></w:document>";
  }

  // Fonts: Latin text in a common sans/serif, Chinese in SimSun (body) and SimHei (headings),
  // which Word and WPS have and LibreOffice substitutes.
  std::string styles() const {
    const std::string lang = zh_ ? "<w:lang w:val=\"zh-CN\" w:eastAsia=\"zh-CN\"/>" : "<w:lang w:val=\"en-US\"/>";
    auto fonts = [&](const std::string& latin, const std::string& east_asian) {
      return "<w:rFonts w:ascii=\"" + latin + "\" w:hAnsi=\"" + latin + "\" w:cs=\"" + latin + "\"" +
             (zh_ ? " w:eastAsia=\"" + east_asian + "\"" : "") + "/>";
    };
    auto heading = [&](int level, int half_points, int before) {
      const std::string n = std::to_string(level);
      return "<w:style w:type=\"paragraph\" w:styleId=\"Heading" + n + "\"><w:name w:val=\"heading " + n +
             "\"/><w:basedOn w:val=\"Normal\"/><w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:keepNext/>"
             "<w:spacing w:before=\"" + std::to_string(before) + "\" w:after=\"160\"/><w:jc w:val=\"left\"/>"
             "<w:outlineLvl w:val=\"" + std::to_string(level - 1) + "\"/></w:pPr><w:rPr>" + fonts("Arial", "SimHei") +
             "<w:b/><w:sz w:val=\"" + std::to_string(half_points) + "\"/></w:rPr></w:style>";
    };
    return std::string(kXmlHead) +
           "<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:docDefaults>"
           "<w:rPrDefault><w:rPr>" + fonts("Georgia", "SimSun") + "<w:sz w:val=\"22\"/>" + lang +
           "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr><w:spacing w:after=\"160\" w:line=\"" +
           (zh_ ? "360" : "312") + "\" w:lineRule=\"auto\"/>" + (zh_ ? "<w:jc w:val=\"both\"/>" : "") +
           "</w:pPr></w:pPrDefault></w:docDefaults>"
           "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/></w:style>" +
           heading(1, 36, 0) + heading(2, 28, 360) +
           "<w:style w:type=\"paragraph\" w:styleId=\"Caption\"><w:name w:val=\"caption\"/><w:basedOn w:val=\"Normal\"/>"
           "<w:next w:val=\"Normal\"/><w:qFormat/><w:pPr><w:spacing w:before=\"0\" w:after=\"240\"/><w:jc w:val=\"center\"/>"
           "</w:pPr><w:rPr><w:i/><w:color w:val=\"595959\"/><w:sz w:val=\"18\"/></w:rPr></w:style>"
           "<w:style w:type=\"character\" w:styleId=\"Hyperlink\"><w:name w:val=\"Hyperlink\"/><w:rPr>"
           "<w:color w:val=\"0563C1\"/><w:u w:val=\"single\"/></w:rPr></w:style></w:styles>";
  }

  static std::string content_types() {
    const std::string office = "application/vnd.openxmlformats-officedocument.";
    return std::string(kXmlHead) +
           "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
           "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
           "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
           "<Default Extension=\"jpeg\" ContentType=\"image/jpeg\"/>"
           "<Override PartName=\"/word/document.xml\" ContentType=\"" + office + "wordprocessingml.document.main+xml\"/>"
           "<Override PartName=\"/word/styles.xml\" ContentType=\"" + office + "wordprocessingml.styles+xml\"/>"
           "<Override PartName=\"/docProps/core.xml\" ContentType=\"application/vnd.openxmlformats-package.core-properties+xml\"/>"
           "<Override PartName=\"/docProps/app.xml\" ContentType=\"" + office + "extended-properties+xml\"/></Types>";
  }

  static std::string relationship(const std::string& id, const std::string& type, const std::string& target,
                                  bool external = false) {
    return "<Relationship Id=\"" + id + "\" Type=\"" + type + "\" Target=\"" + escape_markup(target) + "\"" +
           (external ? " TargetMode=\"External\"" : "") + "/>";
  }

  static std::string relationships(const std::string& inside) {
    return std::string(kXmlHead) + "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">" +
           inside + "</Relationships>";
  }

  static std::string package_rels() {
    return relationships(
        relationship("rId1", std::string(kRel) + "/officeDocument", "word/document.xml") +
        relationship("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
                     "docProps/core.xml") +
        relationship("rId3", std::string(kRel) + "/extended-properties", "docProps/app.xml"));
  }

  std::string document_rels() const {
    std::string inside = relationship("rIdStyles", std::string(kRel) + "/styles", "styles.xml");
    for (size_t i = 0; i < pictures_.size(); ++i)
      inside += relationship(pictures_[i].rel_id, std::string(kRel) + "/image", "media/image" + std::to_string(i + 1) + ".jpeg");
    for (const Link& link : links_) inside += relationship(link.rel_id, std::string(kRel) + "/hyperlink", link.url, true);
    return relationships(inside);
  }

  std::string core(const Article& article) const {
    return std::string(kXmlHead) +
           "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\""
           " xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\""
           " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"><dc:title>" + escape_markup(article.title) +
           "</dc:title><dc:creator>lingbi</dc:creator><dc:language>" + (zh_ ? "zh-CN" : "en-US") +
           "</dc:language></cp:coreProperties>";
  }

  bool zh_;
  const RenderOptions& options_;
  RenderReport& report_;
  std::string body_;
  std::vector<Picture> pictures_;
  std::vector<Link> links_;
};

}  // namespace

std::string render_docx(const Article& article, const RenderOptions& options, RenderReport& report) {
  return Document(article, options, report).render(article);
}

}  // namespace lingbi
