using System.Globalization;
using System.Net;
using System.Text;

namespace MLExtensions.Diagnostics;

/// <summary>The report's HTML, built section by section; each plot is saved beside it as a PNG of the size the page declares.</summary>
internal sealed class ReportPage(string directory, string title)
{
    private readonly StringBuilder _body = new();

    internal void Heading(string text) => _body.Append("<h2>").Append(WebUtility.HtmlEncode(text)).AppendLine("</h2>");

    internal void Paragraph(string html) => _body.Append("<p>").Append(html).AppendLine("</p>");

    internal void Table(IReadOnlyList<string> headers, IEnumerable<string[]> rows)
    {
        _body.Append("<table><tr>");
        foreach (var header in headers)
            _body.Append("<th>").Append(WebUtility.HtmlEncode(header)).Append("</th>");
        _body.AppendLine("</tr>");
        foreach (var row in rows)
        {
            _body.Append("<tr>");
            foreach (var cell in row)
                _body.Append("<td>").Append(WebUtility.HtmlEncode(cell)).Append("</td>");
            _body.AppendLine("</tr>");
        }
        _body.AppendLine("</table>");
    }

    internal void Plot(ScottPlot.Plot plot, string file, int width = ReportPlots.Width, int height = ReportPlots.Height)
    {
        ReportPlots.SavePng(plot, Path.Combine(directory, file), width, height);
        Image(file, width, height, plot.Axes.Title.Label.Text);
    }

    /// <summary>Each image captioned with its true class, then the predicted class and its probability (highlighted when wrong).</summary>
    internal static List<(float[], ImageShape, string, string, bool)?> TopLossTiles(ModelOutputs outputs)
        => outputs.TopLosses.Select(s => ((float[], ImageShape, string, string, bool)?)(s.Pixels, s.Shape, $"true {outputs.Classes[s.TrueClass]}",
            $"{outputs.Classes[s.PredictedClass]} {s.Probability.ToString("P0", CultureInfo.InvariantCulture)}", s.PredictedClass != s.TrueClass)).ToList();

    internal void TopLosses(ModelOutputs outputs, string file)
    {
        var tiles = TopLossTiles(outputs);
        ImageGrid.SavePng(tiles, Path.Combine(directory, file));
        var (width, height) = ImageGrid.SizeFor(tiles.Count);
        _body.AppendLine($"<h3>The {tiles.Count} evaluation images with the highest loss</h3><p>Under each: the true class, then the predicted class and its probability (red when wrong).</p>");
        Image(file, width, height, "highest-loss images");
    }

    private void Image(string file, int width, int height, string? alt)
        => _body.AppendLine($"<p><img src=\"{file}\" width=\"{width}\" height=\"{height}\" alt=\"{WebUtility.HtmlEncode(alt ?? file)}\"></p>");

    internal string Save()
    {
        var path = Path.Combine(directory, "index.html");
        File.WriteAllText(path,
            $"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>{WebUtility.HtmlEncode(title)}</title>
            <style>
              body {"{"} font-family: sans-serif; margin: 2em; color: #222; max-width: 1100px; {"}"}
              table {"{"} border-collapse: collapse; margin: 0.5em 0 1.5em; {"}"}
              th, td {"{"} border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; {"}"}
              th {"{"} background: #eef2f7; {"}"}
              img {"{"} border: 1px solid #ddd; {"}"}
            </style></head>
            <body>
            <h1>{WebUtility.HtmlEncode(title)}</h1>
            {_body}
            <p><small>Written by MLExtensions on {DateTime.Now.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}.</small></p>
            </body></html>
            """);
        return path;
    }
}
