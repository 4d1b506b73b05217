using System.Globalization;
using System.Net;
using System.Text;

namespace Cmux.Load.Reporting;

/// <summary>A line chart drawn as inline SVG: axes, grid, ticks, one polyline per series, a legend.</summary>
internal sealed class SvgLineChart(string id, string title, string xLabel, string yLabel)
{
    private const int Width = 900;
    private const int Height = 340;
    private const int Left = 70;
    private const int Right = 50;
    private const int Top = 36;
    private const int Bottom = 50;
    private static readonly string[] Palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];

    private readonly List<(string Name, IReadOnlyList<(double X, double Y)> Points)> _series = [];

    /// <summary>The x axis' labelled ticks; the axis spans the first to the last.</summary>
    public IReadOnlyList<(double X, string Label)> XTicks { get; init; } = [];

    public SvgLineChart Add(string name, IReadOnlyList<(double X, double Y)> points)
    {
        _series.Add((name, points));
        return this;
    }

    public string Render()
    {
        var xMin = XTicks[0].X;
        var xMax = Math.Max(XTicks[^1].X, xMin + 1e-9);
        var yMax = NiceCeiling(_series.SelectMany(s => s.Points).Select(p => p.Y).DefaultIfEmpty(1).Max());
        double Px(double x) => Left + ((x - xMin) / (xMax - xMin) * (Width - Left - Right));
        double Py(double y) => Height - Bottom - (y / yMax * (Height - Top - Bottom));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg id=\"{id}\" class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {Height}\" width=\"{Width}\" height=\"{Height}\" role=\"img\">");
        svg.Append(CultureInfo.InvariantCulture, $"<title>{Encode(title)}</title>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Width / 2}\" y=\"20\" text-anchor=\"middle\" class=\"title\">{Encode(title)}</text>");
        for (var i = 0; i <= 5; i++)
        {
            var y = yMax * i / 5;
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Py(y):0.#}\" y2=\"{Py(y):0.#}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 6}\" y=\"{Py(y) + 4:0.#}\" text-anchor=\"end\">{Format.Number(y)}</text>");
        }
        foreach (var (x, label) in XTicks)
        {
            svg.Append(CultureInfo.InvariantCulture, $"<line class=\"grid\" x1=\"{Px(x):0.#}\" x2=\"{Px(x):0.#}\" y1=\"{Top}\" y2=\"{Height - Bottom}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Px(x):0.#}\" y=\"{Height - Bottom + 16}\" text-anchor=\"middle\">{Encode(label)}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" x2=\"{Width - Right}\" y1=\"{Height - Bottom}\" y2=\"{Height - Bottom}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<line class=\"axis\" x1=\"{Left}\" x2=\"{Left}\" y1=\"{Top}\" y2=\"{Height - Bottom}\"/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 10}\" text-anchor=\"middle\">{Encode(xLabel)}</text>");
        svg.Append(CultureInfo.InvariantCulture, $"<text transform=\"translate(16 {(Top + Height - Bottom) / 2}) rotate(-90)\" text-anchor=\"middle\">{Encode(yLabel)}</text>");
        for (var i = 0; i < _series.Count; i++)
        {
            var (name, points) = _series[i];
            var color = Palette[i % Palette.Length];
            var path = string.Join(' ', points.Select(p => string.Create(CultureInfo.InvariantCulture, $"{Px(Math.Clamp(p.X, xMin, xMax)):0.#},{Py(p.Y):0.#}")));
            svg.Append(CultureInfo.InvariantCulture, $"<polyline class=\"series\" data-series=\"{Encode(name)}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{path}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left + 10 + (i * 150)}\" y=\"{Top + 4}\" width=\"12\" height=\"12\" fill=\"{color}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left + 28 + (i * 150)}\" y=\"{Top + 14}\">{Encode(name)}</text>");
        }
        return svg.Append("</svg>").ToString();
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <summary>1, 2 or 5 times a power of ten, at or above the value: round grid lines.</summary>
    private static double NiceCeiling(double value)
    {
        if (value <= 0)
        {
            return 1;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(value)));
        return new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(v => v >= value);
    }
}
