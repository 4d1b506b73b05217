using System.Text;
using Cmux.Load.Http1;

namespace Cmux.Load.Tests.Http1;

/// <summary>The lean client's response parser: framing, keep-alive, interim responses, split input, malformed input.</summary>
public sealed class ResponseParserTests
{
    private const string ContentLength = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello";

    private const string Chunked =
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n" +
        "5;name=value\r\nhello\r\n" + "B \r\n, chunked!!\r\n" + "0\r\nX-Trailer: yes\r\n\r\n";

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void A_content_length_body_is_counted_and_the_connection_kept()
    {
        var parser = Parse(ContentLength, out var consumed);

        consumed.ShouldBe(ContentLength.Length);
        parser.IsComplete.ShouldBeTrue();
        parser.StatusCode.ShouldBe(200);
        parser.BodyBytes.ShouldBe(5);
        parser.KeepAlive.ShouldBeTrue();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void A_chunked_body_is_counted_without_its_framing_extensions_or_trailers()
    {
        var parser = Parse(Chunked, out var consumed);

        consumed.ShouldBe(Chunked.Length);
        parser.IsComplete.ShouldBeTrue();
        parser.StatusCode.ShouldBe(201);
        parser.BodyBytes.ShouldBe(16);
        parser.KeepAlive.ShouldBeTrue();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Parsing_stops_at_the_end_of_the_response_and_leaves_the_next_one()
    {
        var both = Bytes(ContentLength + Chunked);
        var parser = new ResponseParser();
        parser.Reset();

        var first = parser.Parse(both);

        first.ShouldBe(ContentLength.Length);
        parser.IsComplete.ShouldBeTrue();
        parser.Reset();
        parser.Parse(both.AsSpan(first)).ShouldBe(Chunked.Length);
        parser.StatusCode.ShouldBe(201);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Two_pipelined_responses_split_at_every_byte_boundary_parse_the_same()
    {
        var stream = Bytes(ContentLength + Chunked + ContentLength);
        for (var split = 0; split <= stream.Length; split++)
        {
            var responses = ParseAll([stream[..split], stream[split..]]);

            responses.ShouldBe([(200, 5L, true), (201, 16L, true), (200, 5L, true)], $"split at byte {split}");
        }
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void One_byte_at_a_time_parses_the_same()
    {
        var stream = Bytes(Chunked + ContentLength);

        ParseAll(stream.Select(b => new[] { b }).ToArray()).ShouldBe([(201, 16L, true), (200, 5L, true)]);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nconnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", true)]
    [InlineData("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false)]
    [InlineData("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", true)]
    public void Keep_alive_follows_the_version_and_the_connection_header(string response, bool keepAlive)
    {
        var parser = Parse(response, out _);

        parser.IsComplete.ShouldBeTrue();
        parser.KeepAlive.ShouldBe(keepAlive);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void A_body_without_length_ends_when_the_connection_closes()
    {
        var parser = Parse("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end", out var consumed);

        parser.IsComplete.ShouldBeFalse();
        parser.BodyBytes.ShouldBe(13);
        parser.EndOfStream();
        parser.IsComplete.ShouldBeTrue();
        parser.KeepAlive.ShouldBeFalse();
        parser.BodyBytes.ShouldBe(13);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void A_transfer_coding_other_than_chunked_last_reads_until_close()
    {
        var parser = Parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 3\r\n\r\nabcdef", out _);

        parser.IsComplete.ShouldBeFalse();
        parser.BodyBytes.ShouldBe(6);
        parser.EndOfStream();
        parser.KeepAlive.ShouldBeFalse();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Chunked_wins_over_a_content_length()
    {
        var parser = Parse("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", out _);

        parser.IsComplete.ShouldBeTrue();
        parser.BodyBytes.ShouldBe(3);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Interim_responses_are_skipped_and_the_final_one_counts()
    {
        var parser = Parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ContentLength, out _);

        parser.IsComplete.ShouldBeTrue();
        parser.StatusCode.ShouldBe(200);
        parser.BodyBytes.ShouldBe(5);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n", 204, false)]
    [InlineData("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 304, false)]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 200, true)]
    public void Responses_that_have_no_body_end_at_their_header(string response, int status, bool headRequest)
    {
        var parser = new ResponseParser();
        parser.Reset(headRequest);

        parser.Parse(Bytes(response)).ShouldBe(response.Length);
        parser.IsComplete.ShouldBeTrue();
        parser.StatusCode.ShouldBe(status);
        parser.BodyBytes.ShouldBe(0);
        parser.KeepAlive.ShouldBeTrue();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Switching_protocols_ends_the_response_and_the_connection_s_use()
    {
        var parser = Parse("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", out _);

        parser.IsComplete.ShouldBeTrue();
        parser.StatusCode.ShouldBe(101);
        parser.KeepAlive.ShouldBeFalse();
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Bare_line_feeds_are_accepted_as_line_ends()
    {
        var parser = Parse("HTTP/1.1 200 OK\nContent-Length: 2\n\nok", out _);

        parser.IsComplete.ShouldBeTrue();
        parser.BodyBytes.ShouldBe(2);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhel")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n")]
    public void A_connection_that_closes_before_the_response_ends_is_an_ended_response(string response)
    {
        var parser = Parse(response, out _);

        Should.Throw<ResponseEndedException>(parser.EndOfStream);
    }

    [Theory]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    [InlineData("HTTP/2 200\r\n\r\n")]
    [InlineData("ICY 200 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 2000 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 20 OK\r\n\r\n")]
    [InlineData("HTTP/1.1 099 Low\r\n\r\n")]
    [InlineData("HTTP/1.1 200OK\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: +1\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n")]
    public void Malformed_responses_are_refused(string response)
    {
        var parser = new ResponseParser();
        parser.Reset();

        Should.Throw<MalformedResponseException>(() => parser.Parse(Bytes(response)));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Equal_repeated_content_lengths_are_one_length()
    {
        var parser = Parse("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\nContent-Length: 2\r\n\r\nok", out _);

        parser.IsComplete.ShouldBeTrue();
        parser.BodyBytes.ShouldBe(2);
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void Lines_and_header_sections_are_bounded()
    {
        var parser = new ResponseParser();
        parser.Reset();
        // No line end yet, but already longer than any line may be: refused without waiting for more.
        Should.Throw<MalformedResponseException>(() => parser.Parse(Bytes("HTTP/1.1 200 OK\r\nX-Long: " + new string('a', ResponseParser.MaxLineLength))));

        parser.Reset();
        var header = "X-Many: " + new string('a', 1000) + "\r\n";
        var many = "HTTP/1.1 200 OK\r\n" + string.Concat(Enumerable.Repeat(header, (ResponseParser.MaxHeaderBytes / header.Length) + 1));
        Should.Throw<MalformedResponseException>(() => parser.Parse(Bytes(many)));
    }

    [Fact]
    [Trait(Category.Name, Category.Unit)]
    [Trait(Feature.Name, Feature.Load)]
    public void An_incomplete_line_is_not_consumed()
    {
        var parser = new ResponseParser();
        parser.Reset();

        parser.Parse(Bytes("HTTP/1.1 200 OK\r\nContent-Len")).ShouldBe("HTTP/1.1 200 OK\r\n".Length);
        parser.IsComplete.ShouldBeFalse();
    }

    private static ResponseParser Parse(string response, out int consumed)
    {
        var parser = new ResponseParser();
        parser.Reset();
        consumed = parser.Parse(Bytes(response));
        return parser;
    }

    /// <summary>
    /// Feeds reads to the parser as a connection does: bytes it leaves (a partial line, or the next
    /// response) are offered again with the next read; returns every complete response.
    /// </summary>
    private static List<(int Status, long Body, bool KeepAlive)> ParseAll(byte[][] reads)
    {
        var responses = new List<(int, long, bool)>();
        var parser = new ResponseParser();
        parser.Reset();
        var pending = Array.Empty<byte>();
        foreach (var read in reads)
        {
            pending = [.. pending, .. read];
            while (pending.Length > 0)
            {
                var consumed = parser.Parse(pending);
                pending = pending[consumed..];
                if (!parser.IsComplete)
                {
                    break;
                }
                responses.Add((parser.StatusCode, parser.BodyBytes, parser.KeepAlive));
                parser.Reset();
            }
        }
        pending.ShouldBeEmpty();
        return responses;
    }

    private static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);
}
