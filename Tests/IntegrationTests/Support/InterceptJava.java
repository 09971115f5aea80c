// GET https://HOST/PATH through an HTTP proxy with java.net.http.HttpClient; the truststore comes
// from -Djavax.net.ssl.trustStore. Usage: java InterceptJava.java PROXY_HOST PROXY_PORT URL
// Prints "STATUS BODY_LENGTH".
import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public class InterceptJava {
    public static void main(String[] args) throws Exception {
        HttpClient client = HttpClient.newBuilder()
            .proxy(ProxySelector.of(new InetSocketAddress(args[0], Integer.parseInt(args[1]))))
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(20))
            .build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(args[2])).timeout(Duration.ofSeconds(20)).build();
        HttpResponse<byte[]> response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        System.out.println(response.statusCode() + " " + response.body().length);
    }
}
