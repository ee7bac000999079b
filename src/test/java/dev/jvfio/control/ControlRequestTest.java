package dev.jvfio.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jvfio.device.Fault;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The control protocol's requests: what parses, and the message for what does not. */
class ControlRequestTest {
    @Test
    @DisplayName("the four commands parse and print back as the same line")
    void roundTrip() throws Exception {
        for (String line : new String[] {
            "{\"command\":\"status\"}",
            "{\"command\":\"unplug\",\"device\":\"gpu0\"}",
            "{\"command\":\"inject\",\"device\":\"gpu1\",\"fault\":\"stall\",\"for-ms\":500}",
            "{\"command\":\"inject\",\"device\":\"gpu1\",\"fault\":\"fall-off-bus\"}",
            "{\"command\":\"recover\",\"device\":\"gpu0\"}"
        }) {
            assertThat(ControlRequest.parse(line).toLine()).isEqualTo(line);
        }
        ControlRequest r =
                ControlRequest.parse("{\"command\":\"inject\",\"device\":\"g\",\"fault\":\"stall\",\"for-ms\":7}");
        assertThat(r.fault()).isEqualTo(Fault.STALL);
        assertThat(r.length()).isEqualTo(Duration.ofMillis(7));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            status                                                              | not JSON
            []                                                                  | one JSON object per line
            {}                                                                  | must be one of
            {"command":5}                                                       | must be a string
            {"command":"reboot"}                                                | must be one of status, unplug, inject, recover
            {"command":"status","x":1}                                          | unknown field "x"
            {"command":"unplug"}                                                | needs "device"
            {"command":"inject","device":"g"}                                   | "fault" must be one of error, fall-off-bus
            {"command":"inject","device":"g","fault":"melt"}                    | "fault" must be one of
            {"command":"inject","device":"g","fault":"stall"}                   | a stall needs "for-ms"
            {"command":"inject","device":"g","fault":"stall","for-ms":0}        | from 1 to 60000
            {"command":"inject","device":"g","fault":"stall","for-ms":60001}    | from 1 to 60000
            {"command":"inject","device":"g","fault":"stall","for-ms":1.5}      | whole number
            {"command":"inject","device":"g","fault":"error","for-ms":5}        | for stall only
            """)
    @DisplayName("a bad request gets a message that says what is wrong")
    void bad(String line, String message) {
        assertThatThrownBy(() -> ControlRequest.parse(line))
                .isInstanceOf(ControlException.class)
                .hasMessageContaining(message);
    }
}
