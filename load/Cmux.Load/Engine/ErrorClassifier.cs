using System.Net.Http;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Security.Authentication;
using Cmux.Load.Http1;

namespace Cmux.Load.Engine;

/// <summary>Maps the exceptions a client throws to the error kinds a report counts.</summary>
public static class ErrorClassifier
{
    public static ErrorKind Classify(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case MalformedResponseException:
                    return ErrorKind.Protocol;
                case ResponseEndedException:
                    return ErrorKind.ConnectionReset;
                case AuthenticationException:
                    return ErrorKind.Tls;
                case HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError }:
                    return ErrorKind.Tls;
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return ErrorKind.ConnectionRefused;
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                    return ErrorKind.Timeout;
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown }:
                    return ErrorKind.ConnectionReset;
                case HttpRequestException { HttpRequestError: HttpRequestError.ResponseEnded }:
                    return ErrorKind.ConnectionReset;
                case WebSocketException { WebSocketErrorCode: WebSocketError.ConnectionClosedPrematurely }:
                    return ErrorKind.ConnectionReset;
                default:
                    break;
            }
        }
        return ErrorKind.Other;
    }
}
